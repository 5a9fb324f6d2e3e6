"""User management at /users/ (namespace ``accounts``) and the user's own page at /me/ (``me``)."""

from django.urls import path

from . import views

users_patterns = (
    [
        path("", views.user_list, name="list"),
        path("new/", views.user_invite, name="invite"),
        path("<int:pk>/", views.user_detail, name="detail"),
        path(
            "<int:pk>/deactivate/",
            views.user_set_active,
            {"active": False},
            name="deactivate",
        ),
        path("<int:pk>/activate/", views.user_set_active, {"active": True}, name="activate"),
        path("<int:pk>/invite/", views.user_invite_resend, name="invite-resend"),
        path(
            "<int:pk>/tokens/<int:token_pk>/revoke/",
            views.user_token_revoke,
            name="token-revoke",
        ),
    ],
    "accounts",
)

me_patterns = (
    [
        path("", views.me, name="home"),
        path("password/", views.PasswordChangeView.as_view(), name="password"),
        path("tokens/<int:token_pk>/revoke/", views.me_token_revoke, name="token-revoke"),
    ],
    "me",
)
