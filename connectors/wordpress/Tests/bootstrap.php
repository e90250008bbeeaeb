<?php
// The pure classes load without WordPress (they call no WordPress function).
foreach (['Signer', 'EventMerger', 'ChangeCursor', 'Backoff', 'HoldReasons', 'CommentShape'] as $class) {
    require_once __DIR__ . '/../includes/' . $class . '.php';
}
