"""The inbox: a user's own notices, read and marked read; and the preferences form's post."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.accounts.decorators import viewer_required
from portal.core.pagination import paginate

from . import selectors, services
from .forms import PreferencesForm
from .models import Notice
from .tables import InboxTable


@viewer_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.inbox(request.user))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "table": InboxTable(page.object_list, request=request)},
    )


@viewer_required
def notice_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notice's link (from the inbox or a mail): it counts as read."""
    notice = get_object_or_404(Notice, pk=pk, user=request.user)
    services.notice_read(user=request.user, notice=notice)
    safe = url_has_allowed_host_and_scheme(notice.url, allowed_hosts={request.get_host()})
    return redirect(notice.url if notice.url and safe else "notifications:inbox")


@require_POST
@viewer_required
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice, pk=pk, user=request.user)
    services.notice_read(user=request.user, notice=notice)
    return redirect("notifications:inbox")


@require_POST
@viewer_required
def notices_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notices_read_all(user=request.user)
    messages.info(request, f"{count} notice(s) marked read.")
    return redirect("notifications:inbox")


@require_POST
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST, user=request.user)
    if form.is_valid():
        changed = services.preferences_save(user=request.user, choices=form.cleaned_data)
        messages.success(request, f"Notification preferences saved ({len(changed)} changed).")
    else:
        messages.error(request, "Choose one of the offered deliveries for every kind of notice.")
    return redirect("me:home")
