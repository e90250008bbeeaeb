<?php

$EM_CONF[$_EXTKEY] = [
    'title' => 'cms-bridge connector',
    'description' => 'Reaction types that let cms-bridge publish news and moderate comments through DataHandler.',
    'category' => 'be',
    'state' => 'beta',
    'version' => '1.4.0',
    'constraints' => [
        'depends' => [
            'php' => '8.1.0-8.4.99',
            'typo3' => '12.4.0-13.4.99',
            'reactions' => '12.4.0-13.4.99',
        ],
        'conflicts' => [],
        'suggests' => [
            'news' => '11.0.0-12.99.99',
            'pw_comments' => '6.0.0-7.99.99',
            'blog' => '12.0.0-13.99.99',
        ],
    ],
    'autoload' => [
        'psr-4' => ['CmsBridge\\Connector\\' => 'Classes/'],
    ],
];
