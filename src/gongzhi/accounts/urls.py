from django.urls import path

from . import admin_views, signup_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("signup/", signup_views.signup_view, name="signup"),
    path("signup/confirm/", signup_views.signup_confirm_view, name="signup_confirm"),
    path("signup/resend/", signup_views.signup_resend_view, name="signup_resend"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change_view, name="password_change"),
    path("two-factor/", views.two_factor_view, name="two_factor"),
    path("profile/", views.profile_view, name="profile"),
    path("elder-mode/", views.elder_mode_view, name="elder_mode"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("users/", admin_views.user_list, name="user_list"),
    path("users/<int:user_id>/", admin_views.user_detail, name="user_detail"),
    path("users/<int:user_id>/unlock/", admin_views.user_unlock, name="user_unlock"),
]
