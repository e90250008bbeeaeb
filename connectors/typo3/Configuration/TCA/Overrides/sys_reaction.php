<?php

declare(strict_types=1);

/*
 * One sys_reaction type per capability, so an admin can grant and revoke each one
 * (disable the record, or set an end time) and give each its own secret.
 * The form shows the same fields as the core create-record type minus the field map:
 * storage_pid (where new news records go) and impersonate_user (the limited service user).
 */
defined('TYPO3') or die();

(static function (): void {
    $types = [
        \CmsBridge\Connector\Reaction\UpsertNewsReaction::class,
        \CmsBridge\Connector\Reaction\UnpublishReaction::class,
        \CmsBridge\Connector\Reaction\ListCommentsReaction::class,
        \CmsBridge\Connector\Reaction\ModerateCommentReaction::class,
        \CmsBridge\Connector\Reaction\ReplyReaction::class,
        \CmsBridge\Connector\Reaction\EraseCommenterReaction::class,
    ];
    foreach ($types as $class) {
        \TYPO3\CMS\Core\Utility\ExtensionManagementUtility::addTcaSelectItem('sys_reaction', 'reaction_type', [
            'label' => $class::getDescription(),
            'value' => $class::getType(),
            'icon' => $class::getIconIdentifier(),
        ]);
        $GLOBALS['TCA']['sys_reaction']['ctrl']['typeicon_classes'][$class::getType()] = $class::getIconIdentifier();
        $GLOBALS['TCA']['sys_reaction']['types'][$class::getType()] = [
            'showitem' => '
                --div--;LLL:EXT:core/Resources/Private/Language/Form/locallang_tabs.xlf:general,
                --palette--;;config,
                storage_pid, impersonate_user,
                --div--;LLL:EXT:core/Resources/Private/Language/Form/locallang_tabs.xlf:access,
                --palette--;;access',
            'columnsOverrides' => [
                'impersonate_user' => ['config' => ['minitems' => 1]],
            ],
        ];
    }
})();
