SELECT source, container_id AS sprint_id,
    toInt64(uniqExactIf(issue_id, in_t0)) AS committed,
    toInt64(countIf(is_added)) AS added,
    toInt64(countIf(is_removed)) AS removed,
    toInt64(uniqExactIf(issue_id, in_t1 AND (tupleElement(arrayElement(st, arrayCount(x -> tupleElement(x, 1) <= end_at, st)), 3) = 1 AS done_t1))) AS completed,
    toInt64(uniqExactIf(issue_id, in_t1 AND NOT done_t1)) AS carried_over,
    toInt64(length(arrayIntersect(groupUniqArrayIf(issue_id, in_t0),
        groupUniqArrayIf(issue_id, in_t1 AND done_t1)))) AS committed_done,
    toFloat64(sumIf(if(empty(pt), pts, tupleElement(arrayElement(pt, arrayCount(x -> tupleElement(x, 1) <= start_at, pt)), 3)), in_t0)) AS committed_points,
    toFloat64(sumIf(pts, is_added)) AS added_points,
    toFloat64(sumIf(pts, is_removed)) AS removed_points,
    toFloat64(sumIf(if(empty(pt), pts, tupleElement(arrayElement(pt, arrayCount(x -> tupleElement(x, 1) <= end_at, pt)), 3)), in_t1 AND done_t1)) AS completed_points
FROM (
    SELECT source, container_id, issue_id, ifNull(points, 0) AS pts, start_at, end_at,
        entered <= start_at AND (isNull(exited) OR assumeNotNull(exited) > start_at) AS in_t0,
        entered > start_at AND entered <= end_at AS is_added,
        isNotNull(exited) AND assumeNotNull(exited) > start_at AND assumeNotNull(exited) <= end_at
            AND NOT (closing AND assumeNotNull(exited) >= end_at - grace) AND done_at_leaving = 0 AS is_removed,
        entered <= end_at AND (isNull(exited) OR assumeNotNull(exited) > end_at
            OR (closing AND assumeNotNull(exited) >= end_at - grace)) AS in_t1
    FROM (
        SELECT source, container_id, issue_id, entered, exited, done_at_leaving, points
        FROM {db}.membership_intervals FINAL
        WHERE kind = 'sprint' AND (source, container_id) IN (
            SELECT source, sprint_id
            FROM (
                SELECT source, sprint_id, carry_over_grace, if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,
                    if(state = 'closed', ifNull(complete_date, ?), ?) AS t1, state = 'closed' AND isNotNull(complete_date) AS closing_now
                FROM {db}.sprints FINAL
                WHERE deleted = 0
                    AND (state = 'active' OR (source, sprint_id) IN (
                        SELECT source, sprint_id FROM (
                            SELECT source, sprint_id, board_id, complete_date FROM {db}.sprints FINAL
                            WHERE state = 'closed' AND deleted = 0
                        ) AS c
                        ORDER BY source, board_id, ifNull(complete_date, toDateTime(0, 'UTC')) DESC, sprint_id DESC
                        LIMIT 3 BY source, board_id))
            ) AS s
            WHERE isNotNull(t0)
        )
            AND (source, issue_id) NOT IN (SELECT source, issue_id FROM {db}.issues WHERE (source, issue_id) IN (SELECT source, issue_id FROM {db}.issues WHERE deleted = 1) GROUP BY source, issue_id HAVING argMax(deleted, version) = 1)
    ) AS i
    ALL INNER JOIN (
        SELECT source, sprint_id AS container_id, assumeNotNull(t0) AS start_at, t1 AS end_at,
            toInt64(closing_now) AS closing, toInt64(carry_over_grace) AS grace
        FROM (
            SELECT source, sprint_id, carry_over_grace, if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,
                if(state = 'closed', ifNull(complete_date, ?), ?) AS t1, state = 'closed' AND isNotNull(complete_date) AS closing_now
            FROM {db}.sprints FINAL
            WHERE deleted = 0
                AND (state = 'active' OR (source, sprint_id) IN (
                    SELECT source, sprint_id FROM (
                        SELECT source, sprint_id, board_id, complete_date FROM {db}.sprints FINAL
                        WHERE state = 'closed' AND deleted = 0
                    ) AS c
                    ORDER BY source, board_id, ifNull(complete_date, toDateTime(0, 'UTC')) DESC, sprint_id DESC
                    LIMIT 3 BY source, board_id))
        ) AS s
        WHERE isNotNull(t0)
    ) AS w USING (source, container_id)
) AS a
ANY LEFT JOIN (
    SELECT source, issue_id, st, pt
    FROM (
        SELECT source, issue_id, arraySort(groupArray((at, seq, to_category = 'done'))) AS st
        FROM {db}.issue_status_changes FINAL
        WHERE (source, issue_id) IN (
            SELECT source, issue_id
            FROM {db}.membership_intervals FINAL
            WHERE kind = 'sprint' AND (source, container_id) IN (
                SELECT source, sprint_id
                FROM (
                    SELECT source, sprint_id, carry_over_grace, if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,
                        if(state = 'closed', ifNull(complete_date, ?), ?) AS t1, state = 'closed' AND isNotNull(complete_date) AS closing_now
                    FROM {db}.sprints FINAL
                    WHERE deleted = 0
                        AND (state = 'active' OR (source, sprint_id) IN (
                            SELECT source, sprint_id FROM (
                                SELECT source, sprint_id, board_id, complete_date FROM {db}.sprints FINAL
                                WHERE state = 'closed' AND deleted = 0
                            ) AS c
                            ORDER BY source, board_id, ifNull(complete_date, toDateTime(0, 'UTC')) DESC, sprint_id DESC
                            LIMIT 3 BY source, board_id))
                ) AS s
                WHERE isNotNull(t0)
            )
        )
        GROUP BY source, issue_id
    ) AS s
    ANY LEFT JOIN (
        SELECT source, issue_id, arraySort(groupArray((at, seq, ifNull(points, 0)))) AS pt
        FROM {db}.issue_points_changes FINAL
        WHERE (source, issue_id) IN (
            SELECT source, issue_id
            FROM {db}.membership_intervals FINAL
            WHERE kind = 'sprint' AND (source, container_id) IN (
                SELECT source, sprint_id
                FROM (
                    SELECT source, sprint_id, carry_over_grace, if(state = 'future', NULL, ifNull(activated_date, start_date)) AS t0,
                        if(state = 'closed', ifNull(complete_date, ?), ?) AS t1, state = 'closed' AND isNotNull(complete_date) AS closing_now
                    FROM {db}.sprints FINAL
                    WHERE deleted = 0
                        AND (state = 'active' OR (source, sprint_id) IN (
                            SELECT source, sprint_id FROM (
                                SELECT source, sprint_id, board_id, complete_date FROM {db}.sprints FINAL
                                WHERE state = 'closed' AND deleted = 0
                            ) AS c
                            ORDER BY source, board_id, ifNull(complete_date, toDateTime(0, 'UTC')) DESC, sprint_id DESC
                            LIMIT 3 BY source, board_id))
                ) AS s
                WHERE isNotNull(t0)
            )
        )
        GROUP BY source, issue_id
    ) AS p USING (source, issue_id)
) AS h USING (source, issue_id)
GROUP BY source, container_id, start_at, end_at
