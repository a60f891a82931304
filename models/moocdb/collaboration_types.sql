{#- One row per collaboration type (the lookup seed, unchanged). -#}
with

collaboration_types as (
    select * from {{ ref('lookup_collaboration_types') }}
),

final as (
    select
        cast(collaboration_type_id as bigint) as collaboration_type_id,
        cast(collaboration_type_name as {{ type_text() }}) as collaboration_type_name,
        cast(collaboration_type_description as {{ type_text() }})
            as collaboration_type_description
    from collaboration_types
)

select * from final
