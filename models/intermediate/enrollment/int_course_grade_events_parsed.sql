{#-
    One row per course grade calculated for a learner
    (`edx.grades.course.grade_calculated`, since Dec 2016): the grade as a
    fraction of 1 and the letter grade of the course's grading policy.
    The platform emits `percent_grade` (edx-platform grades/events.py; the
    docs name it `percent`: both are read), a fraction (0.83); a value in
    (1, 100] is taken as written in percent and divided by 100. The
    learner is the payload's numeric `user_id`: the grade is often computed
    in a background task or on a course team member's request (a rescore),
    so the event's username need not be the learner's.
-#}
{{ config(materialized='table') }}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

grade_events as (
    select
        event_id,
        event_source,
        event_at,
        nullif({{ json_get_text('event_payload', 'letter_grade') }}, '')
            as letter_grade,
        {{ json_get_text('event_payload', 'event_transaction_type') }}
            as event_transaction_type,
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
        end as graded_edx_user_id,
        coalesce(
            nullif({{ json_get_text('event_payload', 'course_id') }}, ''),
            course_id
        ) as course_id,
        coalesce(
            {{ json_get_text('event_payload', 'percent_grade') }},
            {{ json_get_text('event_payload', 'percent') }}
        ) as percent_text
    from events
    where event_type = 'edx.grades.course.grade_calculated'
),

percents_read as (
    select
        event_id,
        event_source,
        event_at,
        actor_user_id,
        actor_edx_user_id,
        graded_edx_user_id,
        course_id,
        case
            when {{ regex_matches(
                'percent_text',
                '^\s*[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*$'
            ) }}
                then cast(percent_text as {{ type_double() }})
        end as percent_logged,
        letter_grade,
        event_transaction_type
    from grade_events
),

final as (
    select
        event_id,
        event_source,
        event_at,
        actor_user_id,
        actor_edx_user_id,
        graded_edx_user_id,
        coalesce(
            graded_edx_user_id <> actor_edx_user_id, false
        ) as is_on_behalf,
        course_id,
        percent_logged,
        case
            when percent_logged <= 1 then percent_logged
            when percent_logged <= 100 then percent_logged / 100
        end as course_grade,
        letter_grade,
        event_transaction_type
    from percents_read
)

select * from final
