{#-
    One row per learner and question: the learner's first check graded
    fully correct (its latest assessment, a rescore included, has grade 1),
    taken from `filter_submissions_one_per_check`. Learners who never got
    the question right have no row; later attempts are removed.
-#}

with

submissions as (
    select * from {{ ref('filter_submissions_one_per_check') }}
),

assessments as (
    select * from {{ ref('assessments') }}
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

correct_submissions as (
    select submissions.*
    from submissions
    inner join assessments_ranked
        on
            submissions.submission_id = assessments_ranked.submission_id
            and assessments_ranked.assessment_rank = 1
    where
        submissions.submission_is_submitted = 1
        and assessments_ranked.assessment_grade >= 1
),

correct_submissions_ranked as (
    select
        *,
        row_number() over (
            partition by user_id, problem_id
            order by submission_timestamp nulls last, submission_id
        ) as correct_rank
    from correct_submissions
),

final as (
    select
        submission_id,
        user_id,
        problem_id,
        submission_timestamp,
        submission_attempt_number,
        submission_answer,
        submission_is_submitted,
        submission_ip,
        submission_os,
        submission_agent,
        event_source,
        event_type,
        course_id,
        source_event_id
    from correct_submissions_ranked
    where correct_rank = 1
)

select * from final
