{#-
    One row per submission: a problem event that submits, saves, resets or
    fails to submit answers (see `submission_is_submitted`), per question
    it names; events that name no question (a grade event, a reset of an
    empty problem) give one row for the whole problem. Rescores and
    observing-only events give none. Answers are raw here (the privacy
    policy is applied in the `submissions` mart).
-#}

with

problem_events as (
    select * from {{ ref('int_problem_events_parsed') }}
),

answers as (
    select * from {{ ref('int_problem_answers_parsed') }}
),

submitting_events as (
    select * from problem_events
    where submission_is_submitted is not null
),

question_rows as (
    select
        submitting_events.event_id,
        answers.answer_key as problem_key,
        'question' as problem_level,
        answers.module_id,
        answers.answer_text,
        answers.is_list_answer
    from submitting_events
    inner join answers
        on submitting_events.event_id = answers.event_id
    where
        answers.answer_origin <> 'problem_show'
        and answers.module_id is not null
),

problem_rows as (
    -- an event that names no question: one row for its problem
    select
        submitting_events.event_id,
        submitting_events.problem_module_id as problem_key,
        'problem' as problem_level,
        submitting_events.problem_module_id as module_id,
        submitting_events.xblock_answer_text as answer_text,
        false as is_list_answer
    from submitting_events
    where
        submitting_events.problem_module_id is not null
        and not exists (
            select 1
            from answers
            where
                answers.event_id = submitting_events.event_id
                and answers.answer_origin <> 'problem_show'
        )
),

submission_rows as (
    select * from question_rows
    union all
    select * from problem_rows
),

final as (
    select
        {{ hash_to_bigint(
            as_text('submitting_events.event_id') ~ " || '|' "
            ~ "|| submission_rows.problem_key"
        ) }} as submission_id,
        submitting_events.user_id,
        {{ hash_to_bigint(
            "submitting_events.course_id || '|' || submission_rows.problem_key"
        ) }} as problem_id,
        submitting_events.event_at as submission_timestamp,
        submitting_events.attempts as submission_attempt_number,
        submission_rows.answer_text as submission_answer,
        submitting_events.submission_is_submitted,
        submitting_events.ip as submission_ip,
        submitting_events.agent as submission_agent_text,
        submitting_events.event_source,
        submitting_events.event_type,
        submitting_events.problem_action,
        submitting_events.course_id,
        submitting_events.event_id as source_event_id,
        submission_rows.problem_key,
        submission_rows.problem_level,
        submission_rows.module_id,
        submission_rows.is_list_answer
    from submission_rows
    inner join submitting_events
        on submission_rows.event_id = submitting_events.event_id
    where
        submitting_events.course_id is not null
        and submitting_events.user_id is not null
)

select * from final
