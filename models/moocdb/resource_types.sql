{#- MOOCdb resource_types: the fixed lookup of resource kinds (seed
    moocdb_resource_types), shared by all courses. -#}
with

resource_types as (
    select * from {{ ref('moocdb_resource_types') }}
)

select
    cast(resource_type_id as integer) as resource_type_id,
    cast(resource_type_content as {{ type_text() }}) as resource_type_content,
    cast(resource_type_medium as {{ type_text() }}) as resource_type_medium
from resource_types
