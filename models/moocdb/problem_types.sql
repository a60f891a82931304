{#- One row per problem type (the level of a node in the problems tree),
    from the seed `problem_type_names`. -#}

with

problem_type_names as (
    select * from {{ ref('problem_type_names') }}
),

final as (
    select
        cast(problem_type_id as integer) as problem_type_id,
        cast(problem_type_name as {{ type_text() }}) as problem_type_name
    from problem_type_names
)

select * from final
