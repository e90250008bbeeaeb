#
# The reply ledger (Classes/Domain/Comment/ReplyLedger.php). uid, pid, tstamp, crdate and
# deleted are added from the TCA ctrl section by TYPO3's default TCA schema.
#
CREATE TABLE tx_cmsbridgeconnector_reply (
	reply_key varchar(64) DEFAULT '' NOT NULL,
	parent_id varchar(48) DEFAULT '' NOT NULL,
	source varchar(32) DEFAULT '' NOT NULL,
	comment_uid int(11) unsigned DEFAULT '0' NOT NULL,

	KEY reply_key (reply_key, parent_id)
);
