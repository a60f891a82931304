{#-
    One row per grade given to a submission: the automatic grading of a
    server check per question, the problem score of
    `edx.grades.problem.submitted`, and every rescore / score override as a
    further assessment of the submission it regrades.
-#}
{{ config(post_hook="{{ refresh_statistics(this) }}") }}

with

assessments as (
    select * from {{ ref('int_problem_assessments') }}
),

final as (
    select
        assessment_id,
        submission_id,
        {{ scrub_free_text('assessment_feedback') }} as assessment_feedback,
        assessment_grade,
        assessment_max_grade,
        assessment_grade_with_penalty,
        assessment_grader_id,
        assessment_timestamp,
        event_type,
        course_id,
        source_event_id
    from assessments
    where submission_id is not null
)

select * from final
