{#- Fails on every event type the mapping seed sends to submissions or
    assessments in the problem and grade families that the problem family
    does not read for that role, and on every type the family reads for a
    role the seed does not give it (keeps the seed and the models in step).
    ORA (family `ora`) is another family. -#}

{%- set family_pairs = [] %}
{%- for role in ['submission', 'assessment'] %}
    {%- for event_type in problem_family_event_types(role) %}
        {%- do family_pairs.append((event_type, role ~ 's')) %}
    {%- endfor %}
{%- endfor %}

with

mapping as (
    select * from {{ ref('event_type_mapping') }}
),

family_types as (
    select *
    from (
        values
        {%- for pair in family_pairs %}
            ('{{ pair[0] }}', '{{ pair[1] }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as family_type (event_type, moocdb_table)
),

seed_types as (
    select
        mapping.event_type,
        seed_table.moocdb_table
    from mapping
    cross join
        lateral {{ split_to_rows('mapping.moocdb_tables', ';') }}
            as seed_table (moocdb_table, table_number)
    where
        mapping.family in ('problem', 'grade')
        and seed_table.moocdb_table in ('submissions', 'assessments')
),

missing_in_models as (
    select
        event_type,
        moocdb_table,
        'mapped in the seed, not read by the problem family' as problem
    from seed_types
    except
    select
        event_type,
        moocdb_table,
        'mapped in the seed, not read by the problem family' as problem
    from family_types
),

missing_in_seed as (
    select
        event_type,
        moocdb_table,
        'read by the problem family, not mapped in the seed' as problem
    from family_types
    except
    select
        event_type,
        moocdb_table,
        'read by the problem family, not mapped in the seed' as problem
    from seed_types
)

select * from missing_in_models
union all
select * from missing_in_seed
