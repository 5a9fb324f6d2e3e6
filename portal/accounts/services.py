"""User management: invite, change role and scope, deactivate. Every change is audited."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from portal.audit.services import audit_record
from portal.core.models import Source

from .models import Profile, Role

User = get_user_model()


class _InviteMail(PasswordResetForm):
    """Django's password-reset mail, sent to one chosen user even before they have a password."""

    def __init__(self, user) -> None:
        super().__init__(data={"email": user.email})
        self._user = user

    def get_users(self, email):
        return [self._user] if self._user.is_active and self._user.email else []


def invite_send(*, user, request: HttpRequest) -> None:
    """Mail a one-time link to set a password (the reset token dies once the password is set)."""
    form = _InviteMail(user)
    form.is_valid()
    form.save(
        request=request,
        use_https=request.is_secure(),
        subject_template_name="accounts/invite_subject.txt",
        email_template_name="accounts/invite_email.txt",
    )


def _scope_check(role: str, reseller) -> None:
    if reseller is not None and role == Role.ADMIN:
        raise ValidationError(
            "A distributor admin is not tied to a reseller; choose operator or viewer for a "
            "reseller's staff."
        )
    if reseller is not None and reseller.kind != "reseller":
        raise ValidationError("Only a reseller can be a user's scope.")


def _describe(profile: Profile) -> dict[str, object]:
    return {
        "role": profile.role,
        "reseller": profile.reseller_id,
        "reseller_name": profile.reseller.name if profile.reseller is not None else "",
    }


@transaction.atomic
def user_invite(
    *,
    username: str,
    email: str,
    role: str,
    reseller=None,
    first_name: str = "",
    last_name: str = "",
    actor,
    request: HttpRequest | None = None,
    source: str = Source.PAGE,
):
    """Create an active user without a usable password and mail them the set-password link."""
    _scope_check(role, reseller)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(f"The username {username} is taken.")
    user = User(
        username=username, email=email, first_name=first_name, last_name=last_name, is_staff=False
    )
    user.set_unusable_password()
    user.save()
    profile = Profile.objects.create(user=user, role=role, reseller=reseller)
    audit_record(
        action="user.invited",
        source=source,
        actor=actor,
        obj=user,
        customer=reseller,
        detail={"username": username, "email": email, **_describe(profile)},
    )
    if request is not None:
        invite_send(user=user, request=request)
    return user


@transaction.atomic
def user_update(*, user, role: str, reseller=None, actor, source: str = Source.PAGE):
    """Change a user's role and reseller scope."""
    _scope_check(role, reseller)
    if user.pk == actor.pk and role != Role.ADMIN:
        raise ValidationError("You cannot take the admin role away from yourself.")
    profile, _ = Profile.objects.select_related("reseller").get_or_create(user=user)
    before = _describe(profile)
    profile.role, profile.reseller = role, reseller
    profile.save(update_fields=["role", "reseller"])
    after = _describe(profile)
    if before != after:
        audit_record(
            action="user.role_changed",
            source=source,
            actor=actor,
            obj=user,
            customer=reseller,
            detail={"before": before, "after": after},
        )
    return user


@transaction.atomic
def user_set_active(*, user, active: bool, actor, source: str = Source.PAGE):
    """Deactivate (sessions and API tokens stop working at once) or reactivate a user."""
    if user.pk == actor.pk and not active:
        raise ValidationError("You cannot deactivate yourself.")
    if user.is_active == active:
        return user
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    audit_record(
        action="user.activated" if active else "user.deactivated",
        source=source,
        actor=actor,
        obj=user,
        detail={"username": user.get_username()},
    )
    return user
