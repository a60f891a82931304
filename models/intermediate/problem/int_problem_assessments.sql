{#-
    One row per grade the platform gave: per graded question of a server
    check (problem_check, save_problem_check: `correct_map`), per problem of
    an `edx.grades.problem.submitted` event; and per question of a
    `problem_rescore` (per problem of an `edx.grades.problem.rescored` or
    `score_overridden`), attached to the learner's latest server check
    (problem score) at or before it: a further assessment of the same
    submission. Grades are normalized to 0-1; rescores whose submission is
    not in the logs keep a NULL submission_id (audited, not in the mart).
-#}

with

problem_events as (
    select * from {{ ref('int_problem_events_parsed') }}
),

answers as (
    select * from {{ ref('int_problem_answers_parsed') }}
),

submissions as (
    select * from {{ ref('int_problem_submissions') }}
),

grading_events as (
    select * from problem_events
    where
        (problem_action = 'check' and event_source = 'server')
        or problem_action in ('score', 'rescore', 'score_change')
),

graded_keys as (
    select
        grading_events.event_id,
        grading_events.event_type,
        grading_events.problem_action,
        grading_events.user_id,
        grading_events.course_id,
        grading_events.event_at,
        grading_events.event_grade,
        grading_events.event_max_grade,
        answers.answer_key,
        answers.correctness,
        answers.npoints,
        answers.grading_message,
        count(*) over (
            partition by grading_events.event_id
        ) as graded_keys_count
    from grading_events
    inner join answers
        on grading_events.event_id = answers.event_id
    where
        answers.is_graded_key
        and answers.module_id is not null
),

question_grades as (
    -- one graded question: the event's grade / max_grade is exact (partial
    -- credit included); several: capa's points of each input, `npoints`
    -- when logged (partial credit), else 1 for correct and 0 for incorrect,
    -- out of capa's default of 1 point per input
    select
        event_id,
        event_type,
        problem_action,
        user_id,
        course_id,
        event_at,
        answer_key as problem_key,
        correctness,
        npoints,
        grading_message,
        case
            when graded_keys_count = 1 and event_max_grade > 0
                then event_max_grade
            else greatest(1.0, coalesce(npoints, 0.0))
        end as question_max_grade,
        case
            when
                graded_keys_count = 1
                and event_max_grade > 0 and event_grade is not null
                then event_grade / event_max_grade
            when npoints is not null
                then npoints / greatest(1.0, npoints)
            when correctness = 'correct' then 1.0
            when correctness = 'incorrect' then 0.0
        end as grade
    from graded_keys
),

problem_grades as (
    select
        event_id,
        event_type,
        problem_action,
        user_id,
        course_id,
        event_at,
        problem_module_id as problem_key,
        cast(null as {{ type_text() }}) as correctness,
        cast(null as {{ type_double() }}) as npoints,
        cast(null as {{ type_text() }}) as grading_message,
        event_max_grade as question_max_grade,
        case
            when event_max_grade > 0 then event_grade / event_max_grade
        end as grade
    from grading_events
    where
        problem_action in ('score', 'score_change')
        and problem_module_id is not null
),

grades as (
    select * from question_grades
    union all
    select * from problem_grades
),

own_submissions as (
    -- a check's grade belongs to the submission of the same event
    select
        grades.*,
        submissions.submission_id
    from grades
    inner join submissions
        on
            grades.event_id = submissions.source_event_id
            and grades.problem_key = submissions.problem_key
    where grades.problem_action in ('check', 'score')
),

rescore_candidates as (
    select
        grades.*,
        submissions.submission_id as candidate_submission_id,
        row_number() over (
            partition by grades.event_id, grades.problem_key
            order by
                submissions.submission_timestamp desc nulls first,
                submissions.source_event_id desc
        ) as candidate_rank
    from grades
    left join submissions
        on
            grades.user_id = submissions.user_id
            and grades.course_id = submissions.course_id
            and grades.problem_key = submissions.problem_key
            and submissions.event_source = 'server'
            and submissions.problem_action = case
                when grades.problem_action = 'rescore' then 'check'
                else 'score'
            end
            and grades.event_at >= submissions.submission_timestamp
    where grades.problem_action in ('rescore', 'score_change')
),

rescored_submissions as (
    select
        event_id,
        event_type,
        problem_action,
        user_id,
        course_id,
        event_at,
        problem_key,
        correctness,
        npoints,
        grading_message,
        question_max_grade,
        grade,
        candidate_submission_id as submission_id
    from rescore_candidates
    where candidate_rank = 1
),

assessed as (
    select * from own_submissions
    union all
    select * from rescored_submissions
),

final as (
    select
        {{ hash_to_bigint(
            as_text('event_id') ~ " || '|' || problem_key"
        ) }} as assessment_id,
        submission_id,
        grading_message as assessment_feedback,
        grade as assessment_grade,
        question_max_grade as assessment_max_grade,
        cast(null as {{ type_double() }}) as assessment_grade_with_penalty,
        {{ hash_to_bigint("'automatic-grader'") }} as assessment_grader_id,
        event_at as assessment_timestamp,
        course_id,
        event_id as source_event_id,
        event_type,
        problem_action,
        problem_key,
        correctness,
        npoints,
        user_id
    from assessed
)

select * from final
