"""The comment pages of a mission, mounted under /missions/<code>/comments/ (missions' URLs)."""

from django.urls import path

from . import comment_views

# Names live in the ``missions`` namespace: these pages belong to a mission.
urlpatterns = [
    path("", comment_views.comments_mission, name="comments"),
    path("thread/<int:pk>/reply/", comment_views.comment_reply, name="comment-reply"),
    path("thread/<int:pk>/answer/", comment_views.comment_answer, name="comment-answer"),
    path("thread/<int:pk>/resolve/", comment_views.comment_resolve, name="comment-resolve"),
    path("<int:pk>/edit/", comment_views.comment_edit, name="comment-edit"),
    path(
        "<slug:target_type>/<int:target_id>/",
        comment_views.comments_item,
        name="comments-item",
    ),
    path(
        "<slug:target_type>/<int:target_id>/follow/",
        comment_views.item_follow,
        name="item-follow",
    ),
    path(
        "<slug:target_type>/<int:target_id>/unfollow/",
        comment_views.item_unfollow,
        name="item-unfollow",
    ),
]
