{#- ext os: one row per operating system (ua-parser family and version)
    seen in a user agent. -#}
with

agents as (
    select * from {{ ref('int_user_agents_parsed') }}
)

select distinct
    os_id,
    os_name
from agents
