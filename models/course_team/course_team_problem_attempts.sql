{#-
    One row per check of a learner on a problem (question): one copy per
    learner action (filter_submissions_one_per_check), checks only
    (submission_is_submitted = 1; saves, resets and refused checks left
    out), numbered 1, 2, 3… per learner and problem in time order, with
    the grade of the check's latest assessment (a rescore included) and
    whether that grade is full marks.
-#}
with

submissions as (
    select * from {{ ref('filter_submissions_one_per_check') }}
),

assessments as (
    select * from {{ ref('assessments') }}
),

checks as (
    select
        submission_id,
        user_id,
        problem_id,
        course_id,
        submission_timestamp,
        submission_answer
    from submissions
    where submission_is_submitted = 1
),

assessments_ranked as (
    select
        submission_id,
        assessment_grade,
        row_number() over (
            partition by submission_id
            order by assessment_timestamp desc nulls first, assessment_id desc
        ) as assessment_rank
    from assessments
),

checks_graded as (
    select
        checks.*,
        assessments_ranked.assessment_grade
    from checks
    left join assessments_ranked
        on
            checks.submission_id = assessments_ranked.submission_id
            and assessments_ranked.assessment_rank = 1
),

checks_numbered as (
    select
        submission_id,
        user_id,
        problem_id,
        course_id,
        submission_timestamp,
        submission_answer,
        assessment_grade,
        assessment_grade >= 1 as is_correct,
        cast(row_number() over (
            partition by user_id, problem_id
            order by submission_timestamp nulls last, submission_id
        ) as integer) as attempt_number
    from checks_graded
)

select * from checks_numbered
