{#- Since Dec 2016 the server logs a check twice over: problem_check (raw
    grade / max_grade) and edx.grades.problem.submitted (weighted_earned /
    weighted_possible). The two fractions must agree: fails on every
    problem score whose nearest server check of the same learner and
    problem (within var('submission_copy_window_seconds')) gives another
    fraction. Warn only: a real log may hold a check that was regraded
    between the two. -#}
{{ config(severity='warn') }}

{%- set window_seconds = var('submission_copy_window_seconds', 30) %}

with

problem_events as (
    select * from {{ ref('int_problem_events_parsed') }}
),

scores as (
    select *
    from problem_events
    where problem_action = 'score' and event_max_grade > 0
),

checks as (
    select *
    from problem_events
    where
        problem_action = 'check'
        and event_source = 'server'
        and event_max_grade > 0
),

scores_with_checks as (
    select
        scores.event_id as score_event_id,
        checks.event_id as check_event_id,
        scores.event_grade / scores.event_max_grade as score_fraction,
        checks.event_grade / checks.event_max_grade as check_fraction,
        row_number() over (
            partition by scores.event_id
            order by
                abs({{ seconds_between(
                    'checks.event_at', 'scores.event_at'
                ) }}),
                checks.event_id
        ) as check_rank
    from scores
    inner join checks
        on
            scores.user_id = checks.user_id
            and scores.problem_module_id = checks.problem_module_id
            and abs({{ seconds_between('checks.event_at', 'scores.event_at') }})
            <= {{ window_seconds }}
)

select *
from scores_with_checks
where check_rank = 1 and abs(score_fraction - check_fraction) > 1e-9
