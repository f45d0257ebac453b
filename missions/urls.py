from django.urls import include, path

from . import endorsement_views, plan_views, views

app_name = "missions"

urlpatterns = [
    path("", views.mission_list, name="list"),
    path("<slug:code>/", views.mission_detail, name="detail"),
    path("<slug:code>/history/", views.mission_history, name="history"),
    path("<slug:code>/benchmarks/<int:pk>/", views.benchmark_detail, name="benchmark"),
    path("<slug:code>/members/", views.member_list, name="members"),
    path("<slug:code>/plan/", plan_views.plan, name="plan"),
    path("<slug:code>/plan/<slug:kind>/new/", plan_views.plan_item_new, name="plan-new"),
    path("<slug:code>/plan/<slug:kind>/<int:pk>/", plan_views.plan_item, name="plan-item"),
    path(
        "<slug:code>/plan/<slug:kind>/<int:pk>/edit/", plan_views.plan_item_edit, name="plan-edit"
    ),
    path(
        "<slug:code>/plan/<slug:kind>/<int:pk>/move/", plan_views.plan_item_move, name="plan-move"
    ),
    path(
        "<slug:code>/plan/<slug:kind>/<int:pk>/retire/",
        plan_views.plan_item_retire,
        name="plan-retire",
    ),
    path("<slug:code>/comments/", include("stakeholders.comment_urls")),
    path(
        "<slug:code>/feedback/<int:form_id>/results/",
        include("stakeholders.feedback_results_urls"),
    ),
    path("<slug:code>/feedback/", include("stakeholders.feedback_urls")),
    path("<slug:code>/consultations/", include("stakeholders.consultation_urls")),
    path(
        "<slug:code>/phases/<int:pk>/endorsements/",
        endorsement_views.phase_endorsements,
        name="phase-endorsements",
    ),
    path(
        "<slug:code>/phases/<int:pk>/endorse/",
        endorsement_views.phase_endorse,
        name="phase-endorse",
    ),
    path(
        "<slug:code>/phases/<int:pk>/withdraw-endorsement/",
        endorsement_views.phase_endorsement_withdraw,
        name="phase-endorsement-withdraw",
    ),
    path("<slug:code>/members/<int:pk>/change/", views.member_change, name="member-change"),
    path("<slug:code>/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
]
