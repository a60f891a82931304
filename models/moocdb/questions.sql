{#-
    MOOCdb questions: one row per question of a poll or survey block (a
    poll has one question; a survey one per question name answered).
-#}
with

feedback_answers as (
    select * from {{ ref('int_feedback_events_parsed') }}
),

surveys as (
    select * from {{ ref('surveys') }}
),

questions_distinct as (
    select distinct
        question_id,
        survey_id,
        feedback_source,
        module_id,
        question_name
    from feedback_answers
),

final as (
    select
        questions_distinct.question_id,
        case
            when questions_distinct.feedback_source = 'survey'
                then questions_distinct.question_name
            else surveys.survey_name
        end as question_content,
        questions_distinct.feedback_source as question_type,
        cast(null as bigint) as question_reference,
        questions_distinct.survey_id,
        surveys.course_id,
        questions_distinct.module_id,
        questions_distinct.question_name
    from questions_distinct
    inner join surveys
        on questions_distinct.survey_id = surveys.survey_id
)

select * from final
