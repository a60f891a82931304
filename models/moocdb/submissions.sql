{#-
    One row per answer a learner checked, saved, reset or failed to submit,
    per question of the problem event (per problem when the event names no
    question); both the browser and the server copies of one check are
    kept and told apart by `event_source` (filters: `filter_submissions_*`).
-#}

with

submissions as (
    select * from {{ ref('int_problem_submissions') }}
),

answers_classified as (
    select
        *,
        -- choice ids, their lists, numbers and drag-and-drop placements
        -- (item and zone ids) are not free text
        submission_answer is null
        or event_type = 'edx.drag_and_drop_v2.item.dropped'
        or {{ regex_matches('submission_answer', '^\s*$') }}
        or {{ regex_matches(
            'submission_answer', '^(choice|mask|option)_[0-9]+$'
        ) }}
        or {{ regex_matches(
            'submission_answer',
            '^\[("(choice|mask|option)_[0-9]+"(, )?)*\]$'
        ) }}
        or {{ regex_matches(
            'submission_answer',
            '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$'
        ) }} as is_coded_answer
    from submissions
),

final as (
    select
        submission_id,
        user_id,
        problem_id,
        submission_timestamp,
        submission_attempt_number,
        case
            when is_coded_answer then submission_answer
            else {{ scrub_free_text('submission_answer') }}
        end as submission_answer,
        cast(submission_is_submitted as smallint) as submission_is_submitted,
        submission_ip,
        cast(null as bigint) as submission_os,
        cast(null as bigint) as submission_agent,
        event_source,
        event_type,
        course_id,
        source_event_id
    from answers_classified
)

select * from final
