{#-
    One row per node of the problems tree of a course: problem (the capa
    module) -> question (an answer input `<module html id>_<r>_<i>`) ->
    sub-question (an input's sub-field `<input>_<suffix>`), from every
    problem event of both id eras. See the doc block `problems_tree`.
-#}
{{ config(post_hook="{{ refresh_statistics(this) }}") }}

with

problem_events as (
    select * from {{ ref('int_problem_events_parsed') }}
),

answers as (
    select * from {{ ref('int_problem_answers_parsed') }}
),

problem_types as (
    select * from {{ ref('problem_types') }}
),

module_locations as (
    select * from {{ ref('int_module_locations') }}
),

modules_seen as (
    select
        course_id,
        problem_module_id as module_id
    from problem_events
    where
        course_id is not null
        and problem_module_id is not null
    union
    select
        course_id,
        module_id
    from answers
    where
        course_id is not null
        and module_id is not null
),

module_names_ranked as (
    select
        course_id,
        problem_module_id as module_id,
        module_display_name,
        row_number() over (
            partition by course_id, problem_module_id
            order by event_at desc nulls first, event_id desc
        ) as name_rank
    from problem_events
    where
        module_display_name is not null
        and problem_module_id is not null
),

module_weights_ranked as (
    select
        course_id,
        problem_module_id as module_id,
        problem_weight,
        row_number() over (
            partition by course_id, problem_module_id
            order by event_at desc nulls first, event_id desc
        ) as weight_rank
    from problem_events
    where
        problem_weight is not null
        and problem_module_id is not null
),

problem_nodes as (
    select
        modules_seen.course_id,
        modules_seen.module_id,
        modules_seen.module_id as problem_key,
        cast(null as {{ type_text() }}) as parent_key,
        cast(null as integer) as child_number,
        'problem' as problem_type_name,
        module_names_ranked.module_display_name as problem_name,
        module_weights_ranked.problem_weight,
        cast(null as {{ type_text() }}) as response_type,
        cast(null as {{ type_text() }}) as input_type
    from modules_seen
    left join module_names_ranked
        on
            modules_seen.course_id = module_names_ranked.course_id
            and modules_seen.module_id = module_names_ranked.module_id
            and module_names_ranked.name_rank = 1
    left join module_weights_ranked
        on
            modules_seen.course_id = module_weights_ranked.course_id
            and modules_seen.module_id = module_weights_ranked.module_id
            and module_weights_ranked.weight_rank = 1
),

answers_located as (
    select
        answers.*,
        problem_events.event_at
    from answers
    inner join problem_events
        on answers.event_id = problem_events.event_id
    where
        answers.course_id is not null
        and answers.module_id is not null
),

question_keys as (
    -- a key maps to one module (the smallest if two ever disagree)
    select
        course_id,
        question_key,
        min(module_id) as module_id,
        min(response_number) as response_number
    from answers_located
    group by course_id, question_key
),

question_descriptions_ranked as (
    select
        course_id,
        answer_key,
        question_text,
        response_type,
        input_type,
        row_number() over (
            partition by course_id, answer_key
            order by event_at desc nulls first, event_id desc
        ) as description_rank
    from answers_located
    where
        question_text is not null
        or response_type is not null
        or input_type is not null
),

question_nodes as (
    select
        question_keys.course_id,
        question_keys.module_id,
        question_keys.question_key as problem_key,
        question_keys.module_id as parent_key,
        -- Open edX numbers a problem's responses from 2
        question_keys.response_number - 1 as child_number,
        'question' as problem_type_name,
        question_descriptions_ranked.question_text as problem_name,
        cast(null as {{ type_double() }}) as problem_weight,
        question_descriptions_ranked.response_type,
        question_descriptions_ranked.input_type
    from question_keys
    left join question_descriptions_ranked
        on
            question_keys.course_id = question_descriptions_ranked.course_id
            and question_keys.question_key
            = question_descriptions_ranked.answer_key
            and question_descriptions_ranked.description_rank = 1
),

sub_question_keys as (
    select
        answers_located.course_id,
        answers_located.answer_key,
        min(question_keys.module_id) as module_id,
        min(answers_located.question_key) as question_key,
        min(answers_located.sub_input_suffix) as sub_input_suffix
    from answers_located
    inner join question_keys
        on
            answers_located.course_id = question_keys.course_id
            and answers_located.question_key = question_keys.question_key
    where answers_located.sub_input_suffix is not null
    group by answers_located.course_id, answers_located.answer_key
),

sub_question_nodes as (
    select
        course_id,
        module_id,
        answer_key as problem_key,
        question_key as parent_key,
        -- `choiceinput_0_textinput_0` is the first choice's text field
        cast({{ regex_extract('sub_input_suffix', '([0-9]+)') }} as integer)
        + 1 as child_number,
        'sub-question' as problem_type_name,
        cast(null as {{ type_text() }}) as problem_name,
        cast(null as {{ type_double() }}) as problem_weight,
        cast(null as {{ type_text() }}) as response_type,
        cast(null as {{ type_text() }}) as input_type
    from sub_question_keys
),

nodes as (
    select * from problem_nodes
    union all
    select * from question_nodes
    union all
    select * from sub_question_nodes
),

final as (
    select
        {{ hash_to_bigint("nodes.course_id || '|' || nodes.problem_key") }}
            as problem_id,
        nodes.problem_name,
        case
            when nodes.parent_key is not null
                then {{ hash_to_bigint(
                    "nodes.course_id || '|' || nodes.parent_key"
                ) }}
        end as problem_parent_id,
        nodes.child_number as problem_child_number,
        problem_types.problem_type_id,
        cast(null as timestamp) as problem_release_timestamp,
        cast(null as timestamp) as problem_soft_deadline,
        cast(null as timestamp) as problem_hard_deadline,
        cast(null as integer) as problem_max_submission,
        cast(null as integer) as problem_max_duration,
        cast(nodes.problem_weight as {{ type_double() }}) as problem_weight,
        module_locations.resource_id,
        nodes.course_id,
        nodes.module_id,
        nodes.problem_key,
        nodes.response_type as problem_response_type,
        nodes.input_type as problem_input_type
    from nodes
    inner join problem_types
        on nodes.problem_type_name = problem_types.problem_type_name
    left join module_locations
        on
            nodes.course_id = module_locations.course_id
            and nodes.module_id = module_locations.module_id
)

select * from final
