{#- One row per user type (the lookup seed: MOOCdb's 1-9 and 10
    Automatic grader). -#}
with

user_types as (
    select * from {{ ref('lookup_user_types') }}
),

final as (
    select
        cast(user_type_id as bigint) as user_type_id,
        cast(user_type_name as {{ type_text() }}) as user_type_name,
        cast(user_type_description as {{ type_text() }}) as user_type_description
    from user_types
)

select * from final
