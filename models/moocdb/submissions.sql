{#-
    One row per answer a learner checked, saved, reset or failed to submit,
    per question of the problem event (per problem when the event names no
    question); both the browser and the server copies of one check are
    kept and told apart by `event_source` (filters: `filter_submissions_*`).
-#}
{{ config(post_hook="{{ refresh_statistics(this) }}") }}

with

submissions as (
    select * from {{ ref('int_problem_submissions') }}
),

user_agents as (
    select * from {{ ref('int_user_agents_parsed') }}
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
        answers_classified.submission_id,
        answers_classified.user_id,
        answers_classified.problem_id,
        answers_classified.submission_timestamp,
        answers_classified.submission_attempt_number,
        case
            when answers_classified.is_coded_answer
                then answers_classified.submission_answer
            else {{ scrub_free_text('answers_classified.submission_answer') }}
        end as submission_answer,
        cast(answers_classified.submission_is_submitted as smallint)
            as submission_is_submitted,
        answers_classified.submission_ip,
        user_agents.os_id as submission_os,
        user_agents.agent_id as submission_agent,
        answers_classified.event_source,
        answers_classified.event_type,
        answers_classified.course_id,
        answers_classified.source_event_id
    from answers_classified
    left join user_agents
        on answers_classified.submission_agent_text = user_agents.user_agent
)

select * from final
