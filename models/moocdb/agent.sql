{#- ext agent: one row per browser (ua-parser family and major version)
    seen in a user agent. -#}
with

agents as (
    select * from {{ ref('int_user_agents_parsed') }}
)

select distinct
    agent_id,
    agent_name
from agents
