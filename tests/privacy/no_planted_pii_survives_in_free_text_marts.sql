{#-
    The free-text columns of the marts obey the free-text policy in force:
    under scrub no e-mail address or phone number (the planted kinds:
    name@host.tld, +country groups, NNN-NNN-NNNN / (NNN) NNN-NNNN) is left
    in collaboration_content or answer_content; under drop the free text
    is gone (collaboration text of posts/answers/comments/edits/wiki and
    free-text answers are NULL). Under keep there is nothing to check.
    Fails with one row per offending mart row.
-#}
{%- set policy = free_text_policy() %}
with

collaborations as (
    select * from {{ ref('collaborations') }}
),

collaboration_types as (
    select * from {{ ref('collaboration_types') }}
),

answers as (
    select * from {{ ref('answers') }}
),

questions as (
    select * from {{ ref('questions') }}
),

free_texts as (
    select
        'collaborations' as model_name,
        collaborations.collaboration_id as row_id,
        collaborations.collaboration_content as free_text
    from collaborations
    inner join collaboration_types
        on
            collaborations.collaboration_type_id
            = collaboration_types.collaboration_type_id
    where
        collaboration_types.collaboration_type_name in (
            'forum_post', 'forum_answer', 'forum_comment', 'forum_edit',
            'wiki_edit', 'wiki_create', 'forum_lock', 'forum_unlock'
        )
    union all
    select
        'answers' as model_name,
        answers.answer_id as row_id,
        answers.answer_content as free_text
    from answers
    inner join questions
        on answers.question_id = questions.question_id
    where questions.question_type = 'ora_feedback_text'
),

offending as (
    select *
    from free_texts
    {%- if policy == 'scrub' %}
        where
        {{ regex_matches(
            'free_text', '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}'
        ) }}
            or {{ regex_matches('free_text', '\+[0-9]{1,3}[ .-]?[0-9]{1,4}[ .-]?[0-9]{2,}') }}
            or {{ regex_matches(
            'free_text', '\(?[0-9]{3}\)?[ .-][0-9]{3}[ .-][0-9]{4}'
        ) }}
    {%- elif policy == 'drop' %}
        where free_text is not null
    {%- else %}
        where false
    {%- endif %}
)

select * from offending
