{#- Spark versions of macros/text.sql, time.sql, network.sql,
    observing.sql. Patterns are written once, for Postgres (POSIX ARE); the
    Java regex engine reads the ones the project uses the same way. Spark
    string literals treat a backslash as an escape, so it is doubled. -#}

{#- Java reads a `[` inside a bracket expression as a nested class: the
    forms the project's patterns use (`[[...]`, `[^][...]`) are escaped. -#}
{% macro spark_regex_literal(pattern) -%}
    '{{ pattern | replace("[^][", "[^\\]\\[") | replace("[[", "[\\[")
        | replace("\\", "\\\\") | replace("''", "\\'") }}'
{%- endmacro %}

{% macro spark__regex_matches(expr, pattern) -%}
    ({{ expr }} rlike {{ moocdb.spark_regex_literal(pattern) }})
{%- endmacro %}

{#- Postgres' substring(from): the first group when the pattern has one,
    else the whole match; NULL without a match (Spark's regexp_extract
    gives '' there). -#}
{% macro spark__regex_extract(expr, pattern) -%}
    {%- set group = 1 if '(' in pattern.replace('\\(', '') else 0 -%}
    (case
        when {{ expr }} rlike {{ moocdb.spark_regex_literal(pattern) }}
            then regexp_extract(
                {{ expr }}, {{ moocdb.spark_regex_literal(pattern) }}, {{ group }}
            )
    end)
{%- endmacro %}

{% macro spark__regex_replace(expr, pattern, replacement) -%}
    regexp_replace(
        {{ expr }},
        {{ moocdb.spark_regex_literal(pattern) }},
        '{{ replacement | replace("\\1", "$1") | replace("\\2", "$2") }}'
    )
{%- endmacro %}

{#- The signed 64-bit value of the first 16 hex digits of the md5, as
    Postgres' ('x' || ...)::bit(64)::bigint: conv to a negative base reads
    the digits as a two's-complement number. -#}
{% macro spark__hash_to_bigint(text_expr) -%}
    cast(conv(substr(md5({{ text_expr }}), 1, 16), 16, -10) as bigint)
{%- endmacro %}

{% macro spark__hmac_sha256_hex(message, inner_key, outer_key) -%}
    sha2(
        concat(
            {{ outer_key }},
            unhex(sha2(concat({{ inner_key }}, encode({{ message }}, 'UTF-8')), 256))
        ),
        256
    )
{%- endmacro %}

{% macro spark__seconds_between(start_expr, end_expr) -%}
    ((unix_micros({{ end_expr }}) - unix_micros({{ start_expr }})) / 1000000.0)
{%- endmacro %}

{% macro spark__event_time_text(json_expr) -%}
    (case
        when {{ moocdb.spark__json_type(json_expr) }} = 'string'
            then cast({{ json_expr }} as string)
        when {{ moocdb.spark__json_type(
            "variant_get(" ~ json_expr ~ ", '$[\\'$date\\']')") }} = 'string'
            then cast(variant_get({{ json_expr }}, '$[\'$date\']') as string)
    end)
{%- endmacro %}

{#- The session time zone is UTC (profile), so a timestamp prints as UTC as
    Postgres' `timestamp` columns do. -#}
{% macro spark__parse_event_time(json_expr) -%}
    {%- set text = moocdb.event_time_text(json_expr) -%}
    {%- set date_value = "variant_get(" ~ json_expr ~ ", '$[\\'$date\\']')" -%}
    case
        when {{ moocdb.spark__json_type(json_expr) }} = 'object'
            and {{ moocdb.spark__json_type(date_value) }} = 'number'
            then timestamp_micros(cast(round(
                cast({{ date_value }} as decimal(38, 6)) * 1000
            ) as bigint))
        when not coalesce({{ text }} like '____-__-__%', false) then null
        else try_cast({{ text }} as timestamp)
    end
{%- endmacro %}

{#- Postgres' inet, as text. truncate: IPv4 to its /24 network
    ('a.b.c.0/24'), IPv6 to its /48 network printed as Postgres prints it
    (the first three groups without leading zeros, trailing zero groups
    folded into '::', e.g. '2001:db8::/48'; IPv4-mapped and other embedded
    IPv4 forms included). keep: IPv4 as logged; IPv6 is kept only under
    truncate (Spark has no inet type to print an address canonically:
    NULL). Anything that is not an address gives NULL, as on Postgres.
    Inputs carrying a mask ('a.b.c.d/n'), valid for inet, give NULL here. -#}
{% macro spark__apply_ip_policy(text_expr) -%}
    {%- set policy = env_var('MOOCDB_IP_POLICY', var('ip_policy')) -%}
    {%- if policy not in ['keep', 'truncate', 'drop'] -%}
        {{ exceptions.raise_compiler_error(
            "var ip_policy must be keep, truncate or drop, not " ~ policy) }}
    {%- endif -%}
    {%- set octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])" -%}
    {%- set ipv4 = "'^" ~ octet ~ "([.]" ~ octet ~ "){3}$'" -%}
    {%- set h = "[0-9a-f]{1,4}" -%}
    {%- set ipv6 = "'^((H:){7}H|(H:){1,7}:|(H:){1,6}:H|(H:){1,5}(:H){1,2}"
        ~ "|(H:){1,4}(:H){1,3}|(H:){1,3}(:H){1,4}|(H:){1,2}(:H){1,5}"
        ~ "|H:(:H){1,6}|:((:H){1,7}|:))$'" -%}
    {%- set ipv6 = ipv6 | replace("H", h) -%}
    {#- the embedded IPv4 tail (last 32 bits) replaced by two groups -#}
    {%- set v6 = "regexp_replace(lower(" ~ text_expr ~ "), '(^|:)" ~ octet
        ~ "([.]" ~ octet ~ "){3}$', ':0:0')" -%}
    {%- set groups = "split(substring_index(" ~ v6 ~ ", '::', 1), ':')" -%}
    {%- set first3 = "transform(array(1, 2, 3), i -> coalesce(lower(conv("
        ~ "nullif(try_element_at(" ~ groups ~ ", i), ''), 16, 16)), '0'))" -%}
    {%- if policy == 'drop' -%}
    cast(null as string)
    {%- elif policy == 'keep' -%}
    (case when {{ text_expr }} rlike {{ ipv4 }} then {{ text_expr }} end)
    {%- else -%}
    (case
        when {{ text_expr }} rlike {{ ipv4 }}
            then concat(
                substring_index({{ text_expr }}, '.', 3), '.0/24'
            )
        when {{ v6 }} rlike {{ ipv6 }}
            then concat(
                array_join(slice(
                    {{ first3 }}, 1,
                    array_max(transform({{ first3 }}, (g, i) -> if(g != '0', i + 1, 0)))
                ), ':'),
                '::/48'
            )
    end)
    {%- endif -%}
{%- endmacro %}

{% macro spark__text_to_integer(text_expr) -%}
    (case
        when {{ moocdb.regex_matches(text_expr, '^\s*-?\d{1,9}(\.0*)?\s*$') }}
            then cast(cast(trim({{ text_expr }}) as decimal(20, 0)) as int)
    end)
{%- endmacro %}

{% macro spark__text_to_double(text_expr) -%}
    (case
        when {{ moocdb.regex_matches(text_expr, '^\s*-?\d{1,15}(\.\d+)?([eE][-+]?\d{1,3})?\s*$') }}
            then cast(trim({{ text_expr }}) as double)
    end)
{%- endmacro %}
