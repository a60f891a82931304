{#- register_raw_tables(location): declares the raw tables the staging
    model reads as external parquet tables over the files written by
    `python -m loader.spark_landing` (one directory per table under
    `location`: a local path or a bucket URI such as s3a://bucket/raw).
    Run with `dbt run-operation register_raw_tables --args '{location: ...}'`
    against the spark target. -#}
{% macro register_raw_tables(location) %}
    {%- set schema = env_var('MOOCDB_RAW_SCHEMA', 'raw') -%}
    {%- set statements = ["create database if not exists " ~ schema] -%}
    {%- for table in ['tracking_log_lines', 'pseudonym_key', 'user_agents', '_dlt_loads'] -%}
        {%- do statements.append("drop table if exists " ~ schema ~ "." ~ table) -%}
        {%- do statements.append(
            "create table " ~ schema ~ "." ~ table ~ " using parquet location '"
            ~ location ~ "/" ~ table ~ "'") -%}
    {%- endfor -%}
    {%- for statement in statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {{ log("registered " ~ schema ~ " tables over " ~ location, info=true) }}
{% endmacro %}
