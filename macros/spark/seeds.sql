{#- Seeds on Spark. dbt-spark's own seed macros bind each CSV value as
    '<value>' without escaping (a quote inside the JSON of
    mapping_sample_events breaks the statement) and turn an empty value
    into the string 'None'; the seeds' yml declare Postgres column types
    (text, double precision). These overrides, used by `dbt seed` on the
    spark target (session, thrift or http alike), write each value as an
    escaped Spark literal (NULL for an empty value, as Postgres' seed does)
    and translate the declared types. Postgres' `dbt seed` is untouched. -#}

{#- The Spark type of a column type declared for Postgres in a seed yml. -#}
{% macro spark_seed_type(declared) -%}
    {%- set spark_types = {
        'text': 'string',
        'varchar': 'string',
        'character varying': 'string',
        'double precision': 'double',
        'float8': 'double',
        'real': 'float',
        'integer': 'int',
        'int4': 'int',
        'int8': 'bigint',
        'numeric': 'decimal(38, 9)',
        'timestamp without time zone': 'timestamp',
        'timestamptz': 'timestamp',
        'timestamp with time zone': 'timestamp',
    } -%}
    {{- spark_types.get(declared | lower | trim, declared) -}}
{%- endmacro %}

{#- A Python value of the agate table as a Spark SQL literal. -#}
{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark_seed_column_type(model, agate_table, index) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set inferred_type = adapter.convert_type(agate_table, index) -%}
    {{- moocdb.spark_seed_type(
        column_override.get(agate_table.column_names[index], inferred_type)) -}}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) %}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {% set sql %}
        create table {{ this.render() }} (
            {%- for col_name in agate_table.column_names -%}
                {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }}
                {{ moocdb.spark_seed_column_type(model, agate_table, loop.index0) }}
                {%- if not loop.last -%}, {% endif -%}
            {%- endfor -%}
        )
        {{ file_format_clause() }}
        {{ partition_cols(label="partitioned by") }}
        {{ clustered_cols(label="clustered by") }}
        {{ location_clause() }}
        {{ comment_clause() }}
    {% endset %}
    {% call statement('_') -%}
        {{ sql }}
    {%- endcall %}
    {{ return(sql) }}
{% endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(moocdb.spark_seed_column_type(model, agate_table, loop.index0)) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for value in row -%}
                    cast({{ moocdb.spark_seed_literal(value) }} as {{ types[loop.index0] }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
                ){%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
