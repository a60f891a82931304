{#-
    `submissions` with one copy per learner action: the rows of the
    submissions mart minus the redundant copies Open edX logs for one check
    (or save, or reset) - the browser copy when the server copy is there,
    the browser `problem_graded` when the browser `problem_check` is there,
    the second server copy of a 2012-2013 save_problem_check (logged
    twice), and the problem score (`edx.grades.problem.submitted`) of a
    check whose question rows are there. Copies are rows of the same
    learner, question and action (submission_is_submitted; a refused check
    or save counts as the check or save the browser logged) within
    var('submission_copy_window_seconds') seconds.
-#}

{%- set window_seconds = var('submission_copy_window_seconds', 30) %}

with

submissions as (
    select * from {{ ref('submissions') }}
),

problems as (
    select * from {{ ref('problems') }}
),

submissions_with_module as (
    select
        submissions.*,
        problems.module_id,
        -- the learner's action: a refused check (save) is still the check
        -- (save) the browser logged
        case
            when
                submissions.event_type
                in ('problem_check_fail', 'save_problem_check_fail')
                then 1
            when submissions.event_type = 'save_problem_fail' then 0
            else submissions.submission_is_submitted
        end as learner_action
    from submissions
    inner join problems
        on submissions.problem_id = problems.problem_id
),

server_rows_with_previous as (
    select
        *,
        lag(submission_timestamp) over same_question as previous_timestamp,
        lag(submission_attempt_number) over same_question
            as previous_attempt_number,
        lag(submission_answer) over same_question as previous_answer
    from submissions_with_module
    where event_source = 'server'
    window same_question as (
        partition by user_id, problem_id, submission_is_submitted, event_type
        order by submission_timestamp nulls last, source_event_id
    )
),

server_rows as (
    -- before 15 Jul 2013 the server logged one check twice
    select *
    from server_rows_with_previous
    where not coalesce(
        event_type = 'save_problem_check'
        and previous_timestamp is not null
        and {{ seconds_between('previous_timestamp', 'submission_timestamp') }}
        <= {{ window_seconds }}
        and previous_attempt_number
        is not distinct from submission_attempt_number
        and previous_answer is not distinct from submission_answer,
        false
    )
),

browser_rows as (
    select *
    from submissions_with_module
    where event_source <> 'server'
),

browser_rows_without_server_copy as (
    select *
    from browser_rows
    where not exists (
        select 1
        from server_rows
        where
            server_rows.user_id = browser_rows.user_id
            and server_rows.problem_id = browser_rows.problem_id
            and server_rows.learner_action = browser_rows.learner_action
            and abs({{ seconds_between(
                'server_rows.submission_timestamp',
                'browser_rows.submission_timestamp'
            ) }}) <= {{ window_seconds }}
    )
),

graded_rows_without_check as (
    -- without a server copy, problem_check and problem_graded are two
    -- browser copies of one check: problem_check is kept
    select graded_rows.submission_id
    from browser_rows_without_server_copy as graded_rows
    where
        graded_rows.event_type = 'problem_graded'
        and not exists (
            select 1
            from browser_rows_without_server_copy as check_rows
            where
                check_rows.event_type = 'problem_check'
                and check_rows.user_id = graded_rows.user_id
                and check_rows.problem_id = graded_rows.problem_id
                and abs({{ seconds_between(
                    'check_rows.submission_timestamp',
                    'graded_rows.submission_timestamp'
                ) }}) <= {{ window_seconds }}
        )
),

browser_rows_kept as (
    select submission_id
    from browser_rows_without_server_copy
    where event_type <> 'problem_graded'
    union all
    select submission_id from graded_rows_without_check
),

server_rows_kept as (
    -- a problem score repeats the check of the same problem
    select submission_id
    from server_rows
    where event_type <> 'edx.grades.problem.submitted'
    union all
    select score_rows.submission_id
    from server_rows as score_rows
    where
        score_rows.event_type = 'edx.grades.problem.submitted'
        and not exists (
            select 1
            from server_rows as server_check_rows
            where
                server_check_rows.event_type
                in ('problem_check', 'save_problem_check')
                and server_check_rows.user_id = score_rows.user_id
                and server_check_rows.module_id = score_rows.module_id
                and server_check_rows.course_id = score_rows.course_id
                and abs({{ seconds_between(
                    'server_check_rows.submission_timestamp',
                    'score_rows.submission_timestamp'
                ) }}) <= {{ window_seconds }}
        )
),

kept as (
    select submission_id from server_rows_kept
    union all
    select submission_id from browser_rows_kept
),

final as (
    select submissions.*
    from submissions
    inner join kept
        on submissions.submission_id = kept.submission_id
)

select * from final
