from django.urls import path

from . import views

app_name = "missions"

urlpatterns = [
    path("", views.mission_list, name="list"),
    path("<slug:code>/", views.mission_detail, name="detail"),
    path("<slug:code>/history/", views.mission_history, name="history"),
    path("<slug:code>/benchmarks/<int:pk>/", views.benchmark_detail, name="benchmark"),
    path("<slug:code>/members/", views.member_list, name="members"),
    path("<slug:code>/members/<int:pk>/change/", views.member_change, name="member-change"),
    path("<slug:code>/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
]
