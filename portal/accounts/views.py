"""User management (distributor admins) and each user's own page (password, API tokens)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.decorators import manager_required
from portal.accounts.scoping import user_reseller, user_role
from portal.audit.services import audit_record
from portal.core.mail import mail_destination
from portal.core.models import Source
from portal.core.pagination import paginate
from portal.core.refusals import flash_refusal
from portal.notifications.forms import PreferencesForm

from . import selectors, services
from .forms import ApiTokenForm, RoleScopeForm, UserInviteForm
from .models import ApiToken, Profile, Role
from .tokens import token_create, token_revoke

User = get_user_model()


# -- distributor admins: users ----------------------------------------------------------------


@manager_required
def user_list(request: HttpRequest) -> HttpResponse:
    params = {name: request.GET.get(name, "") for name in ("q", "role", "active")}
    page = paginate(request, selectors.user_list(**params))
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "params": params, "roles": Role.choices},
    )


@manager_required
@require_http_methods(["GET", "POST"])
def user_invite(request: HttpRequest) -> HttpResponse:
    form = UserInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_invite(
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                reseller=data["reseller"],
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            where = mail_destination()
            messages.success(
                request,
                f"{user.username} invited: a set-password link was mailed to {user.email}"
                + (f" (this installation's mail is {where})." if where else "."),
            )
            return redirect("accounts:detail", pk=user.pk)
    return render(request, "accounts/user_invite.html", {"form": form})


def _profile(user) -> Profile | None:
    return Profile.objects.select_related("reseller").filter(user=user).first()


@manager_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk)
    profile = _profile(subject)
    initial = {
        "role": profile.role if profile else Role.VIEWER,
        "reseller": profile and profile.reseller,
    }
    form = RoleScopeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(
                user=subject,
                role=form.cleaned_data["role"],
                reseller=form.cleaned_data["reseller"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{subject.username}: role and scope saved.")
            return redirect("accounts:detail", pk=subject.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": subject,
            "profile": profile,
            "form": form,
            "tokens": selectors.user_tokens(user=subject),
        },
    )


@manager_required
@require_POST
def user_set_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk)
    try:
        services.user_set_active(user=subject, active=active, actor=request.user)
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        state = "reactivated" if active else "deactivated"
        messages.success(request, f"{subject.username} {state}.")
    return redirect("accounts:detail", pk=subject.pk)


@manager_required
@require_POST
def user_invite_resend(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk, is_active=True)
    services.invite_send(user=subject, request=request)
    messages.success(request, f"A set-password link was mailed to {subject.email}.")
    return redirect("accounts:detail", pk=subject.pk)


@manager_required
@require_POST
def user_token_revoke(request: HttpRequest, pk: int, token_pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_pk, user_id=pk)
    token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("accounts:detail", pk=pk)


# -- every signed-in user: their own page -----------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def me(request: HttpRequest) -> HttpResponse:
    """The user's account; a new token's value is shown in this one answer and never again."""
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        token, raw = token_create(user=request.user, name=form.cleaned_data["name"])
        created = {"token": token, "raw": raw}
        form = ApiTokenForm()
    role = user_role(request.user)
    return render(
        request,
        "accounts/me.html",
        {
            "form": form,
            "created": created,
            "tokens": selectors.user_tokens(user=request.user),
            "role_label": Role(role).label if role else "No role yet",
            "reseller": user_reseller(request.user),
            "preferences": PreferencesForm(user=request.user),
        },
    )


@login_required
@require_POST
def me_token_revoke(request: HttpRequest, token_pk: int) -> HttpResponse:
    # Only the user's own tokens are found: anyone else's is a 404.
    token = get_object_or_404(
        ApiToken.objects.select_related("user"), pk=token_pk, user=request.user
    )
    token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("me:home")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("me:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(
            action="user.password_changed",
            source=Source.PAGE,
            actor=self.request.user,
            obj=self.request.user,
        )
        messages.success(self.request, "Your password was changed.")
        return response
