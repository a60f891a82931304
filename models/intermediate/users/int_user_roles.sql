{#-
    One row per user, course (NULL when the event named none) and user
    type the logs show the user has there, with the type's precedence.
    What is read is in the role seed lookup_user_role_types: the roles
    arrays of forum events; the authors of course team actions (events of
    family course_team in the mapping seed, problem rescores, batch
    enrollments), which only the course team can cause.
-#}
{{ config(materialized='table') }}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

enrollment_events as (
    select * from {{ ref('int_enrollment_events_parsed') }}
),

forum_roles as (
    select * from {{ ref('int_forum_roles_parsed') }}
),

role_types as (
    select * from {{ ref('lookup_user_role_types') }}
),

event_type_mapping as (
    select * from {{ ref('event_type_mapping') }}
),

forum_roles_typed as (
    select
        forum_roles.user_id,
        forum_roles.course_id,
        role_types.user_type_id,
        role_types.role_precedence
    from forum_roles
    inner join role_types
        on
            forum_roles.role_source = role_types.role_source
            and forum_roles.role_name = role_types.role_name
    where forum_roles.user_id is not null
),

batch_enrollers_typed as (
    -- batch enrollments are made by course admins or staff
    select
        enrollment_events.actor_user_id as user_id,
        enrollment_events.course_id,
        role_types.user_type_id,
        role_types.role_precedence
    from enrollment_events
    inner join role_types
        on role_types.role_source = 'enrollment_on_behalf'
    where
        enrollment_events.is_on_behalf
        and enrollment_events.actor_user_id is not null
),

team_events as (
    -- events only the course team can cause (family course_team of the
    -- mapping seed, and the event types the role seed names)
    select distinct
        events.user_id,
        events.course_id,
        events.event_type,
        event_type_mapping.family
    from events
    inner join event_type_mapping
        on events.event_type = event_type_mapping.event_type
    where
        events.user_id is not null
        and not events.is_anonymous
),

team_events_typed as (
    select
        team_events.user_id,
        team_events.course_id,
        role_types.user_type_id,
        role_types.role_precedence
    from team_events
    inner join role_types
        on (
            role_types.role_source = 'event_family'
            and team_events.family = role_types.role_name
        )
        or (
            role_types.role_source = 'event_type'
            and team_events.event_type = role_types.role_name
        )
),

final as (
    select * from forum_roles_typed
    union
    select * from batch_enrollers_typed
    union
    select * from team_events_typed
)


select * from final
