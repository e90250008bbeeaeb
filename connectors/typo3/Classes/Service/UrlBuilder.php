<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Service;

use TYPO3\CMS\Core\Configuration\ExtensionConfiguration;
use TYPO3\CMS\Core\Site\SiteFinder;
use TYPO3\CMS\Core\Utility\GeneralUtility;

/**
 * Frontend URLs of pages and news records, built by the site's own router. News URLs need
 * the detail page from the extension setting newsDetailPid; without it they are "".
 */
final class UrlBuilder
{
    public function __construct(private readonly SiteFinder $siteFinder) {}

    public function pageUrl(int $pageUid): string
    {
        try {
            return (string)$this->siteFinder->getSiteByPageId($pageUid)->getRouter()->generateUri($pageUid);
        } catch (\Throwable) {
            return '';
        }
    }

    public function newsUrl(int $newsUid): string
    {
        $detailPid = (int)(GeneralUtility::makeInstance(ExtensionConfiguration::class)->get('cms_bridge_connector', 'newsDetailPid') ?? 0);
        if ($detailPid <= 0) {
            return '';
        }
        try {
            return (string)$this->siteFinder->getSiteByPageId($detailPid)->getRouter()->generateUri($detailPid, [
                'tx_news_pi1' => ['action' => 'detail', 'controller' => 'News', 'news' => $newsUid],
            ]);
        } catch (\Throwable) {
            return '';
        }
    }
}
