<?php

declare(strict_types=1);

/*
 * The reply ledger (Classes/Domain/Comment/ReplyLedger.php): which comment a keyed
 * bridge-reply request created. Written only by the connector, through DataHandler as the
 * service user; hidden from the list module.
 */
return [
    'ctrl' => [
        'title' => 'cms-bridge reply keys',
        'label' => 'reply_key',
        'label_alt' => 'parent_id',
        'label_alt_force' => true,
        'tstamp' => 'tstamp',
        'crdate' => 'crdate',
        'delete' => 'deleted',
        'hideTable' => true,
        'rootLevel' => 0,
        'iconfile' => 'EXT:cms_bridge_connector/Resources/Public/Icons/Extension.svg',
    ],
    'columns' => [
        'reply_key' => [
            'label' => 'Reply key (cms-bridge outbox job)',
            'config' => ['type' => 'input', 'size' => 30, 'max' => 64, 'required' => true],
        ],
        'parent_id' => [
            'label' => 'Answered comment ("<source>:<uid>")',
            'config' => ['type' => 'input', 'size' => 30, 'max' => 48],
        ],
        'source' => [
            'label' => 'Comment extension of the reply',
            'config' => ['type' => 'input', 'size' => 20, 'max' => 32],
        ],
        'comment_uid' => [
            'label' => 'Reply comment uid',
            'config' => ['type' => 'number'],
        ],
    ],
    'types' => [
        '0' => ['showitem' => 'reply_key, parent_id, source, comment_uid'],
    ],
];
