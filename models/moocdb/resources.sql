{#-
    MOOCdb resources: the course hierarchy, one tree per course, built from
    the located observed events (after curation): course → unit (chapter)
    → sequence → panel → module, plus the course's other pages (info,
    progress, forum, wiki, books…) and forum topics under the course, and
    an `http://unknown/courses/<course>/` node holding the modules no page
    could be found for. URIs are synthetic (thesis §3.3.3): a module's is
    its panel URL + its relative id.
-#}
with

events as (
    -- read by three CTEs, so Postgres materializes it: only the columns
    -- they use, only events with a course (all three need one)
    select
        course_id,
        course_host,
        final_url,
        final_resource_uri,
        curated_resource_name,
        module_id,
        module_display_name,
        module_block_name,
        module_category,
        curated_relevant_week,
        curated_release_at
    from {{ ref('int_observed_events_curated') }}
    where course_id is not null
),

resource_types as (
    select * from {{ ref('moocdb_resource_types') }}
),

module_categories as (
    select * from {{ ref('module_categories') }}
),

course_roots as (
    -- one per course (and LMS host)
    select distinct
        course_id,
        'https://' || course_host || '/courses/' || course_id || '/'
            as resource_uri
    from events
    where
        course_id is not null
        and course_host is not null
),

course_root_of_course as (
    select
        course_id,
        min(resource_uri) as course_root_uri
    from course_roots
    group by course_id
),

event_urls as (
    select distinct
        course_id,
        final_url
    from events
    where
        course_id is not null
        and final_url is not null
    -- the regexes below then run once per distinct URL, not per event
    {{ optimization_fence() }}
),

located_pages as (
    -- every course URL an event was located on (curated URLs included)
    select
        course_id,
        final_url as url
    from event_urls
    where
        {{ regex_matches(
            'final_url',
            '^https://[^/]+/courses/(course-v1:[^/]+|[^/:]+/[^/]+/[^/]+)/'
        ) }}
),

pages_split as (
    select
        course_id,
        url,
        {{ regex_extract(
            'url',
            '^(https://[^/]+/courses/(?:course-v1:[^/]+|[^/:]+/[^/]+/[^/]+)/)'
        ) }} as course_root_uri
    from located_pages
),

pages_of_their_course as (
    -- a page of another course says nothing about this course's tree
    select *
    from pages_split
    where
        right(course_root_uri, length(course_id) + 10)
        = '/courses/' || course_id || '/'
),

pages_parts as (
    select
        course_id,
        url,
        course_root_uri,
        substr(url, length(course_root_uri) + 1) as course_path
    from pages_of_their_course
),

pages_segments as (
    select
        *,
        split_part(course_path, '/', 1) as course_section,
        split_part(course_path, '/', 2) as chapter_name,
        split_part(course_path, '/', 3) as sequence_name,
        split_part(course_path, '/', 4) as panel_text
    from pages_parts
),

hierarchy_nodes as (
    -- course root
    select
        course_id,
        course_root_uri as resource_uri,
        course_id as resource_name,
        'course' as resource_type_content,
        cast(null as {{ type_text() }}) as parent_uri,
        cast(null as integer) as resource_child_number,
        cast(null as {{ type_text() }}) as module_id
    from pages_segments
    union all
    -- unit (chapter)
    select
        course_id,
        course_root_uri || 'courseware/' || chapter_name || '/',
        chapter_name,
        'unit',
        course_root_uri,
        null,
        null
    from pages_segments
    where course_section = 'courseware' and chapter_name <> ''
    union all
    -- sequence
    select
        course_id,
        course_root_uri || 'courseware/' || chapter_name || '/'
        || sequence_name || '/',
        sequence_name,
        'sequence',
        course_root_uri || 'courseware/' || chapter_name || '/',
        null,
        null
    from pages_segments
    where course_section = 'courseware' and sequence_name <> ''
    union all
    -- panel (`_` when unknown)
    select
        course_id,
        url,
        'panel ' || panel_text,
        'panel',
        course_root_uri || 'courseware/' || chapter_name || '/'
        || sequence_name || '/',
        {{ text_to_integer('panel_text') }},
        null
    from pages_segments
    where course_section = 'courseware' and panel_text <> ''
    union all
    -- courseware index
    select
        course_id,
        url,
        'courseware',
        'index',
        course_root_uri,
        null,
        null
    from pages_segments
    where course_section = 'courseware' and chapter_name = ''
    union all
    -- other course pages: under the course
    select
        course_id,
        url,
        {{ regex_replace('course_path', '/$', '') }},
        case course_section
            when 'info' then 'informational'
            when 'about' then 'informational'
            when 'syllabus' then 'informational'
            when 'progress' then 'profile'
            when 'discussion' then 'forum'
            when 'wiki' then 'wiki'
            when 'book' then 'book'
            when 'pdfbook' then 'book'
            when 'htmlbook' then 'book'
            when 'course' then 'index'
            else 'other'
        end,
        course_root_uri,
        null,
        null
    from pages_segments
    where course_section not in ('courseware', '')
),

module_nodes as (
    select
        events.course_id,
        events.final_resource_uri as resource_uri,
        coalesce(
            max(events.curated_resource_name),
            max(events.module_display_name),
            min(events.module_block_name)
        ) as resource_name,
        min(events.module_category) as module_category,
        case
            when
                {{ starts_with('events.final_resource_uri', "'http://unknown/'") }}
                and min(events.module_category) = 'forum_topic'
                then 'http://unknown/courses/' || events.course_id || '/'
            when {{ starts_with('events.final_resource_uri', "'http://unknown/'") }}
                then 'http://unknown/courses/' || events.course_id || '/'
            when min(events.module_category) = 'forum_topic'
                then {{ regex_extract(
                    'events.final_resource_uri',
                    '^(https://[^/]+/courses/(?:course-v1:[^/]+|[^/:]+/[^/]+/[^/]+)/)'
                ) }}
            else min(events.final_url)
        end as parent_uri,
        min(events.module_id) as module_id,
        max(events.curated_relevant_week) as resource_relevant_week,
        max(events.curated_release_at) as resource_release_timestamp
    from events
    where
        events.module_id is not null
        and events.course_id is not null
        and events.final_resource_uri is not null
    group by events.course_id, events.final_resource_uri
),

unknown_nodes as (
    select distinct
        module_nodes.course_id,
        'http://unknown/courses/' || module_nodes.course_id || '/'
            as resource_uri,
        'unknown location' as resource_name,
        'unknown' as resource_type_content,
        course_root_of_course.course_root_uri as parent_uri
    from module_nodes
    left join course_root_of_course
        on module_nodes.course_id = course_root_of_course.course_id
    where {{ starts_with('module_nodes.resource_uri', "'http://unknown/'") }}
),

course_root_nodes as (
    select
        course_id,
        resource_uri,
        course_id as resource_name,
        'course' as resource_type_content
    from course_roots
),

nodes_unioned as (
    select
        course_id,
        resource_uri,
        resource_name,
        resource_type_content,
        parent_uri,
        resource_child_number,
        module_id,
        cast(null as integer) as resource_relevant_week,
        cast(null as timestamp) as resource_release_timestamp
    from hierarchy_nodes
    union all
    select
        course_id,
        resource_uri,
        resource_name,
        resource_type_content,
        null,
        null,
        null,
        null,
        null
    from course_root_nodes
    union all
    select
        course_id,
        resource_uri,
        resource_name,
        resource_type_content,
        parent_uri,
        null,
        null,
        null,
        null
    from unknown_nodes
    union all
    select
        module_nodes.course_id,
        module_nodes.resource_uri,
        module_nodes.resource_name,
        coalesce(resource_types.resource_type_content, 'other'),
        module_nodes.parent_uri,
        null,
        module_nodes.module_id,
        module_nodes.resource_relevant_week,
        module_nodes.resource_release_timestamp
    from module_nodes
    left join module_categories
        on module_nodes.module_category = module_categories.module_category
    left join resource_types
        on
            module_categories.resource_type_id
            = resource_types.resource_type_id
),

nodes_distinct as (
    -- a URI reached by several events is one resource
    select
        resource_uri,
        min(course_id) as course_id,
        min(resource_name) as resource_name,
        min(resource_type_content) as resource_type_content,
        min(parent_uri) as parent_uri,
        min(resource_child_number) as resource_child_number,
        min(module_id) as module_id,
        min(resource_relevant_week) as resource_relevant_week,
        min(resource_release_timestamp) as resource_release_timestamp
    from nodes_unioned
    group by resource_uri
),

resources_final as (
    select
        {{ hash_to_bigint('nodes_distinct.resource_uri') }} as resource_id,
        nodes_distinct.resource_name,
        nodes_distinct.resource_uri,
        cast(resource_types.resource_type_id as integer) as resource_type_id,
        {{ hash_to_bigint('nodes_distinct.parent_uri') }}
            as resource_parent_id,
        nodes_distinct.resource_child_number,
        nodes_distinct.resource_relevant_week,
        nodes_distinct.resource_release_timestamp,
        nodes_distinct.course_id,
        nodes_distinct.module_id
    from nodes_distinct
    left join resource_types
        on
            nodes_distinct.resource_type_content
            = resource_types.resource_type_content
)

select * from resources_final
