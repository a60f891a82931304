{#-
    MOOCdb collaborations: one row per forum or wiki contribution, vote,
    edit or moderation action, numbered among its siblings in time order.
-#}
with

collaborations as (
    select * from {{ ref('int_collaborations_linked') }}
),

collaboration_types as (
    select * from {{ ref('collaboration_types') }}
),

user_agents as (
    select * from {{ ref('int_user_agents_parsed') }}
),

module_locations as (
    select * from {{ ref('int_module_locations') }}
),

collaborations_numbered as (
    select
        *,
        row_number() over (
            partition by sibling_key
            order by event_at nulls last, event_id
        ) as collaboration_child_number
    from collaborations
),

final as (
    select
        collaborations_numbered.collaboration_id,
        collaborations_numbered.user_id,
        cast(collaboration_types.collaboration_type_id as bigint)
            as collaboration_type_id,
        collaborations_numbered.collaboration_content,
        collaborations_numbered.event_at as collaboration_timestamp,
        collaborations_numbered.collaboration_parent_id,
        cast(collaborations_numbered.collaboration_child_number as integer)
            as collaboration_child_number,
        collaborations_numbered.ip as collaborations_ip,
        user_agents.os_id as collaborations_os,
        user_agents.agent_id as collaborations_agent,
        module_locations.resource_id,
        collaborations_numbered.course_id,
        collaborations_numbered.event_id as source_event_id,
        collaborations_numbered.content_key as edx_content_id,
        collaborations_numbered.parent_key as edx_parent_content_id,
        collaborations_numbered.is_content_truncated
    from collaborations_numbered
    inner join collaboration_types
        on
            collaborations_numbered.collaboration_type_name
            = collaboration_types.collaboration_type_name
    left join user_agents
        on collaborations_numbered.agent = user_agents.user_agent
    -- the discussion (forum topic) as the observing mode located it
    left join module_locations
        on
            collaborations_numbered.course_id = module_locations.course_id
            and collaborations_numbered.commentable_id
            = module_locations.module_id
)

select * from final
