<?php
/*
 * Bulk-create visitor comments on a harness site, from the CLI.
 *   WP_HARNESS_DIR=<instance dir> php seed-comments.php N [POST_ID|new] [STATUS] [MODE]
 *     STATUS: hold | approve | spam | trash | mix   (default hold; mix = 40% hold,
 *             40% approve, 10% spam, 10% trash)
 *     MODE:   php (wp_insert_comment per comment, hooks run; default)
 *             sql (one INSERT ... SELECT over MariaDB's seq_1_to_N table; no hooks)
 * Prints one line of JSON: post_id, first/last comment id, created, seconds.
 * Used by WordPressSite.seed_comments(); 10,000 comments in sql mode take ~0.25 s.
 */
$n = (int)($argv[1] ?? 1000);
$post_arg = $argv[2] ?? 'new';
$status = $argv[3] ?? 'hold';
$mode = $argv[4] ?? 'php';
if ($n < 1 || !in_array($status, ['hold', 'approve', 'spam', 'trash', 'mix'], true)
        || !in_array($mode, ['php', 'sql'], true)) {
    fwrite(STDERR, "usage: seed-comments.php N [POST_ID|new] [hold|approve|spam|trash|mix] [php|sql]\n");
    exit(2);
}

require __DIR__ . '/cli-load.php';
global $wpdb;

$t0 = microtime(true);
if ($post_arg === 'new') {
    $post_id = wp_insert_post([
        'post_title' => "Seeded post ($n comments)", 'post_content' => 'seeded',
        'post_status' => 'publish', 'comment_status' => 'open', 'post_author' => 1,
    ]);
} else {
    $post_id = (int)$post_arg;
}

$map = ['hold' => '0', 'approve' => '1', 'spam' => 'spam', 'trash' => 'trash'];
$pick = function (int $i) use ($status, $map) {
    if ($status !== 'mix') { return $map[$status]; }
    $r = $i % 10;
    return $r < 4 ? '0' : ($r < 8 ? '1' : ($r === 8 ? 'spam' : 'trash'));
};

$before = (int)$wpdb->get_var("SELECT COALESCE(MAX(comment_ID),0) FROM {$wpdb->comments}");
$now = time();
if ($mode === 'sql') {
    // One statement; dates spread one second apart, oldest first.
    $approved = $status === 'mix'
        ? "CASE WHEN seq % 10 < 4 THEN '0' WHEN seq % 10 < 8 THEN '1' WHEN seq % 10 = 8 THEN 'spam' ELSE 'trash' END"
        : "'" . esc_sql($map[$status]) . "'";
    $wpdb->query($wpdb->prepare(
        "INSERT INTO {$wpdb->comments}
           (comment_post_ID, comment_author, comment_author_email, comment_author_url,
            comment_author_IP, comment_date, comment_date_gmt, comment_content,
            comment_karma, comment_approved, comment_agent, comment_type, comment_parent, user_id)
         SELECT %d, CONCAT('Visitor ', seq), CONCAT('v', seq, '@example.com'), '',
            '127.0.0.1', FROM_UNIXTIME(%d - %d + seq), FROM_UNIXTIME(%d - %d + seq),
            CONCAT('Seeded comment ', seq), 0, $approved, 'seed', 'comment', 0, 0
         FROM seq_1_to_$n",
        $post_id, $now, $n, $now, $n
    ));
    wp_update_comment_count_now($post_id);
    wp_cache_flush();
    update_option('wp_harness_seeded', $now);  // also bumps last_changed caches
} else {
    wp_defer_comment_counting(true);
    $wpdb->query('START TRANSACTION');
    for ($i = 1; $i <= $n; $i++) {
        $gmt = gmdate('Y-m-d H:i:s', $now - $n + $i);
        wp_insert_comment([
            'comment_post_ID' => $post_id,
            'comment_author' => "Visitor $i",
            'comment_author_email' => "v$i@example.com",
            'comment_author_IP' => '127.0.0.1',
            'comment_content' => "Seeded comment $i",
            'comment_approved' => $pick($i),
            'comment_date' => get_date_from_gmt($gmt),
            'comment_date_gmt' => $gmt,
            'comment_agent' => 'seed',
        ]);
    }
    $wpdb->query('COMMIT');
    wp_defer_comment_counting(false);
}
// ids are increasing but not always consecutive: InnoDB reserves auto-increment
// values in growing blocks for INSERT ... SELECT.
$after = (int)$wpdb->get_var("SELECT COALESCE(MAX(comment_ID),0) FROM {$wpdb->comments}");
$created = (int)$wpdb->get_var($wpdb->prepare(
    "SELECT COUNT(*) FROM {$wpdb->comments} WHERE comment_ID > %d", $before));
echo json_encode([
    'post_id' => $post_id, 'first_id' => $before + 1, 'last_id' => $after,
    'created' => $created, 'mode' => $mode, 'status' => $status,
    'seconds' => round(microtime(true) - $t0, 3),
]), "\n";
$wp_harness_cli_done = true;
