<?php

use CmsBridge\Connector\EventMerger;
use PHPUnit\Framework\TestCase;

final class EventMergerTest extends TestCase
{
    /** wp_trash_comment(): transition_comment_status (approved → trash), then trashed_comment. */
    public function testTrashingIsOneTrashedEventWithTheStatusBefore(): void
    {
        $m = new EventMerger();
        $m->record(7, 'comment.status_changed', 'approved', 'site');
        $m->record(7, 'comment.trashed', null, 'site');
        $this->assertSame([7 => ['type' => 'comment.trashed', 'previous_status' => 'approved', 'origin' => 'site', 'comment' => null]], $m->drain());
        $this->assertTrue($m->isEmpty());
    }

    /** wp_update_comment(): edit_comment, then the transition when the status changed too. */
    public function testAnEditThatChangesTheStatusIsAStatusChange(): void
    {
        $m = new EventMerger();
        $m->record(3, 'comment.edited', null, 'site');
        $m->record(3, 'comment.status_changed', 'unapproved', 'site');
        $this->assertSame('comment.status_changed', $m->drain()[3]['type']);
    }

    public function testANewCommentStaysNewWhateverElseHappensInTheRequest(): void
    {
        $m = new EventMerger();
        $m->record(9, 'comment.created', null, 'site');
        $m->record(9, 'comment.status_changed', 'unapproved', 'site'); // e.g. an anti-spam plugin approving it
        $event = $m->drain()[9];
        $this->assertSame('comment.created', $event['type']);
        $this->assertNull($event['previous_status']);
    }

    public function testDeletionWinsAndKeepsItsSnapshot(): void
    {
        $m = new EventMerger();
        $m->record(4, 'comment.trashed', null, 'site');
        $m->record(4, 'comment.deleted', null, 'site', ['comment_ID' => '4', 'comment_content' => 'bye']);
        $event = $m->drain()[4];
        $this->assertSame('comment.deleted', $event['type']);
        $this->assertSame('bye', $event['comment']['comment_content']);
    }

    public function testEqualRankTheLaterWins(): void
    {
        $m = new EventMerger();
        $m->record(5, 'comment.trashed', null, 'site');
        $m->record(5, 'comment.untrashed', null, 'site');
        $this->assertSame('comment.untrashed', $m->drain()[5]['type']);
    }

    public function testOneEventPerCommentInTheOrderTheyFirstChanged(): void
    {
        $m = new EventMerger();
        $m->record(2, 'comment.edited', null, 'site');
        $m->record(1, 'comment.created', null, 'site');
        $m->record(2, 'comment.edited', null, 'site');
        $this->assertSame([2, 1], array_keys($m->drain()));
    }

    public function testOurOwnWriteBackMarksTheEvent(): void
    {
        $m = new EventMerger();
        $m->record(6, 'comment.status_changed', 'unapproved', 'site');
        $m->record(6, 'comment.spammed', null, 'cms-bridge');
        $this->assertSame('cms-bridge', $m->drain()[6]['origin']);
    }

    public function testAnUnknownTypeIsRefused(): void
    {
        $this->expectException(InvalidArgumentException::class);
        (new EventMerger())->record(1, 'comment.liked', null, 'site');
    }
}
