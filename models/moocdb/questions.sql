{#-
    MOOCdb questions: one row per question of a poll, survey or assessment
    feedback block (a poll has one question; a survey one per question name
    answered; an open response assessment's feedback two: the options and
    the comment).
-#}
with

feedback_answers as (
    select * from {{ ref('int_feedback_events_parsed') }}
),

surveys as (
    select * from {{ ref('surveys') }}
),

module_locations as (
    select * from {{ ref('int_module_locations') }}
),

questions_ranked as (
    -- a poll's question is its block's name as last logged
    select
        question_id,
        survey_id,
        question_content,
        question_type,
        module_id,
        question_name,
        row_number() over (
            partition by question_id
            order by event_at desc nulls first, event_id desc
        ) as recency_number
    from feedback_answers
),

final as (
    select
        questions_ranked.question_id,
        questions_ranked.question_content,
        questions_ranked.question_type,
        module_locations.resource_id as question_reference,
        questions_ranked.survey_id,
        surveys.course_id,
        questions_ranked.module_id,
        questions_ranked.question_name
    from questions_ranked
    inner join surveys
        on questions_ranked.survey_id = surveys.survey_id
    -- the block as the observing mode located it
    left join module_locations
        on
            surveys.course_id = module_locations.course_id
            and questions_ranked.module_id = module_locations.module_id
    where questions_ranked.recency_number = 1
)

select * from final
