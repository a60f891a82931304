{#-
    One row per course grade calculated for a learner
    (`edx.grades.course.grade_calculated`, since Dec 2016): the grade as a
    fraction of 1 and the letter grade of the course's grading policy.
    `percent` is logged as a fraction (0.83); a value in (1, 100] is taken
    as written in percent and divided by 100.
-#}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

grade_events as (
    select
        event_id,
        event_source,
        event_at,
        user_id,
        course_id,
        case
            when {{ regex_matches(
                json_get_text('event_payload', 'percent'),
                '^\s*[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*$'
            ) }}
                then cast(
                    {{ json_get_text('event_payload', 'percent') }}
                    as double precision
                )
        end as percent_logged,
        nullif({{ json_get_text('event_payload', 'letter_grade') }}, '')
            as letter_grade,
        {{ json_get_text('event_payload', 'event_transaction_type') }}
            as event_transaction_type
    from events
    where event_type = 'edx.grades.course.grade_calculated'
),

final as (
    select
        event_id,
        event_source,
        event_at,
        user_id,
        course_id,
        percent_logged,
        case
            when percent_logged <= 1 then percent_logged
            when percent_logged <= 100 then percent_logged / 100
        end as course_grade,
        letter_grade,
        event_transaction_type
    from grade_events
)

select * from final
