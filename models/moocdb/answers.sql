{#-
    MOOCdb answers: one row per distinct answer given to a question (the
    choice's identifier as the course team wrote it).
-#}
with

feedback_answers as (
    select * from {{ ref('int_feedback_events_parsed') }}
),

final as (
    select distinct
        answer_id,
        answer_content,
        question_id,
        course_id
    from feedback_answers
)

select * from final
