{#-
    Every user id referenced anywhere is a row of `users`: every staged
    user id (all marts take user_id from staging, so this alone guarantees
    coverage), and, checked directly, every user-id column (user_id,
    assessment_grader_id) of every MOOCdb mart that exists in the database
    (marts of the other modes are found through the graph and the adapter,
    so the test needs no change when they are added). Fails with one row
    per model and column that references unknown users.
    Order: dbt runs this after its refs (users, staging and this mode's
    marts); a mart of another mode built later in the same run is checked
    on the next run, and carries its own relationships test to users.
-#}
-- depends_on: {{ ref('collaborations') }}
-- depends_on: {{ ref('feedbacks') }}
-- depends_on: {{ ref('user_courses') }}
{%- set user_columns = ['user_id', 'assessment_grader_id'] -%}
{%- set checks = [] -%}
{#- (the linter's templater has no graph: it renders no check) -#}
{%- set dbt_graph = graph | default({'nodes': {}}) -%}
{%- if execute -%}
    {%- for node in dbt_graph.nodes.values()
        if node.resource_type == 'model'
        and node.package_name == 'moocdb'
        and node.fqn[1] == 'moocdb'
        and node.name != 'users' -%}
        {%- set relation = adapter.get_relation(
            database=node.database, schema=node.schema, identifier=node.alias
        ) -%}
        {%- if relation is not none -%}
            {%- for column in adapter.get_columns_in_relation(relation)
                if column.name in user_columns -%}
                {%- do checks.append(
                    {'model': node.name, 'column': column.name,
                     'relation': relation}
                ) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}
with

users as (
    select user_id from {{ ref('users') }}
),

staged_users as (
    select distinct user_id
    from {{ ref('stg_tracking_log__events') }}
    where user_id is not null
),

references_missing as (
    select
        'stg_tracking_log__events' as model_name,
        'user_id' as column_name,
        staged_users.user_id as missing_user_id
    from staged_users
    left join users
        on staged_users.user_id = users.user_id
    where users.user_id is null
    {%- for check in checks %}
    union all
    select
        '{{ check.model }}' as model_name,
        '{{ check.column }}' as column_name,
        referencing.{{ check.column }} as missing_user_id
    from {{ check.relation }} as referencing
    left join users
        on referencing.{{ check.column }} = users.user_id
    where
        referencing.{{ check.column }} is not null
        and users.user_id is null
    {%- endfor %}
),

final as (
    select
        model_name,
        column_name,
        count(distinct missing_user_id) as missing_users_count
    from references_missing
    group by model_name, column_name
)

select * from final
