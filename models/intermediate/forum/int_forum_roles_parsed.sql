{#-
    One row per role listed in a forum event for its author: the
    `user_course_roles` ('Instructor', 'Staff'; none for students) and
    `user_forums_roles` ('Student', 'Community TA', 'Moderator',
    'Administrator') arrays of the current forum events, one row per
    distinct role of an event, lower-cased. Read by the users' type (the only place the logs say who
    is course staff).
-#}
{{ config(materialized='table') }}
with

forum_events as (
    select * from {{ ref('int_forum_events_parsed') }}
),

course_roles as (
    select
        forum_events.event_id,
        forum_events.event_at,
        forum_events.user_id,
        forum_events.course_id,
        'user_course_roles' as role_source,
        lower(trim(role_items.role_name)) as role_name
    from forum_events
    {{ lateral_rows(
        json_array_text_items('forum_events.user_course_roles'),
        'role_items', ['role_name']
    ) }}
),

forum_roles as (
    select
        forum_events.event_id,
        forum_events.event_at,
        forum_events.user_id,
        forum_events.course_id,
        'user_forums_roles' as role_source,
        lower(trim(role_items.role_name)) as role_name
    from forum_events
    {{ lateral_rows(
        json_array_text_items('forum_events.user_forums_roles'),
        'role_items', ['role_name']
    ) }}
),

roles_unioned as (
    select * from course_roles
    union
    select * from forum_roles
),

final as (
    select
        {{ hash_to_bigint(
            as_text('event_id') ~ " || '|' || role_source || '|' || role_name"
        ) }} as forum_role_id,
        *
    from roles_unioned
    where role_name <> ''
)

select * from final
