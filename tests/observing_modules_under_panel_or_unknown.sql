{#- Hierarchy shape: every courseware module resource hangs under a panel
    or under its course's `unknown` node; forum topics under the course or
    `unknown`. Returns the offending modules. -#}
with

resources as (
    select * from {{ ref('resources') }}
),

resource_types as (
    select * from {{ ref('resource_types') }}
),

typed as (
    select
        resources.resource_id,
        resources.resource_uri,
        resources.module_id,
        resources.resource_parent_id,
        resource_types.resource_type_content
    from resources
    inner join resource_types
        on resources.resource_type_id = resource_types.resource_type_id
)

select child.*
from typed as child
left join typed as parent
    on child.resource_parent_id = parent.resource_id
where
    child.module_id is not null
    and coalesce(parent.resource_type_content, 'none') not in (
        'panel', 'unknown', 'course'
    )
    or (
        child.module_id is not null
        and parent.resource_type_content = 'course'
        and child.resource_type_content <> 'forum'
    )
