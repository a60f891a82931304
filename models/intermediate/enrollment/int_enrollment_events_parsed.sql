{#-
    One row per enrollment event: `edx.course.enrollment.activated`,
    `.deactivated`, `.mode_changed` (server: course_id, user_id, mode in
    the payload), `.upgrade.clicked` (browser: mode in context) and
    `.upgrade.succeeded`. The payload's user_id is the learner enrolled;
    when a course team member enrolls learners in batch, the event's
    username and context.user_id are the team member's, so the learner is
    told by the payload's user_id alone (`is_on_behalf`).
-#}
{{ config(materialized='table') }}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

enrollment_events as (
    select *
    from events
    where event_type in (
        'edx.course.enrollment.activated',
        'edx.course.enrollment.deactivated',
        'edx.course.enrollment.mode_changed',
        'edx.course.enrollment.upgrade.clicked',
        'edx.course.enrollment.upgrade.succeeded'
    )
),

fields_extracted as (
    select
        event_id,
        event_type,
        event_source,
        event_at,
        user_id as actor_user_id,
        edx_user_id as actor_edx_user_id,
        case
            when {{ regex_matches(
                json_get_text('event_payload', 'user_id'), '^\s*\d{1,18}\s*$'
            ) }}
                then cast(
                    trim({{ json_get_text('event_payload', 'user_id') }})
                    as bigint
                )
        end as enrolled_edx_user_id,
        coalesce(
            nullif({{ json_get_text('event_payload', 'course_id') }}, ''),
            course_id
        ) as course_id,
        lower(coalesce(
            {{ json_get_text('event_payload', 'mode') }},
            {{ json_get_text('context', 'mode') }}
        )) as enrollment_mode,
        {{ regex_extract(
            'event_type', '^edx\.course\.enrollment\.(.+)$'
        ) }} as enrollment_action_raw
    from enrollment_events
),

final as (
    select
        event_id,
        event_type,
        event_source,
        event_at,
        actor_user_id,
        actor_edx_user_id,
        enrolled_edx_user_id,
        course_id,
        enrollment_mode,
        replace(enrollment_action_raw, '.', '_') as enrollment_action,
        coalesce(
            enrolled_edx_user_id <> actor_edx_user_id, false
        ) as is_on_behalf
    from fields_extracted
)

select * from final
