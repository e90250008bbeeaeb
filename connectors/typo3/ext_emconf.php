<?php

$EM_CONF[$_EXTKEY] = [
    'title' => 'cms-bridge connector',
    'description' => 'Reaction types that let cms-bridge publish news and moderate comments through DataHandler.',
    'category' => 'be',
    'state' => 'beta',
    'version' => '1.1.0',
    'constraints' => [
        'depends' => [
            'typo3' => '12.4.0-13.4.99',
            'reactions' => '12.4.0-13.4.99',
        ],
        'suggests' => [
            'news' => '',
            'pw_comments' => '',
            'blog' => '',
        ],
    ],
    'autoload' => [
        'psr-4' => ['CmsBridge\\Connector\\' => 'Classes/'],
    ],
];
