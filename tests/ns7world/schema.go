package ns7world

// NS7's own definitions of the tables the probe's inventory queries read,
// written for this world from the public sources (field research §1.1,
// §2.1, §3.1, §4), not copied:
//
//   - gateway_models, gateway_config and its four port tables:
//     nethesis/nethvoice-wizard-restapi sql/gateways.sql @74944f1, with the
//     foreign keys ON UPDATE CASCADE ON DELETE CASCADE it has had since its
//     first version (0a4c1e6, 2016-12-01);
//   - rest_devices_phones: nethvoice-wizard-restapi
//     sql/rest_devices_phones.sql @74944f1;
//   - trunks, pjsip, sipsettings, kvstore_Sipsettings: FreePBX 14's core
//     and sipsettings modules as NethVoice 14 ships them (the columns the
//     wizard writes: nethvoice-wizard-restapi modules/trunks.php; the
//     kvstore shape: ns8-nethvoice freepbx/initdb.d/migration.php).
const ns7Schema = `
CREATE DATABASE asterisk DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE asterisk;

CREATE TABLE gateway_models (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  model VARCHAR(100) NOT NULL,
  manufacturer VARCHAR(20) DEFAULT NULL,
  tech VARCHAR(20) DEFAULT NULL,
  n_pri_trunks INT UNSIGNED DEFAULT 0,
  n_isdn_trunks INT UNSIGNED DEFAULT 0,
  n_fxo_trunks INT UNSIGNED DEFAULT 0,
  n_fxs_ext INT UNSIGNED DEFAULT 0,
  description VARCHAR(50) DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY model_manufacturer (model, manufacturer)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE gateway_config (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  model_id INT UNSIGNED NOT NULL,
  name VARCHAR(100) DEFAULT NULL,
  ipv4 VARCHAR(20) DEFAULT NULL,
  ipv4_new VARCHAR(20) DEFAULT NULL,
  gateway VARCHAR(20) DEFAULT NULL,
  ipv4_green VARCHAR(20) DEFAULT NULL,
  netmask_green VARCHAR(20) DEFAULT NULL,
  mac CHAR(18) DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY mac_key (mac),
  CONSTRAINT gateway_config_model FOREIGN KEY (model_id) REFERENCES gateway_models (id) ON UPDATE CASCADE ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE gateway_config_fxo (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  config_id INT UNSIGNED NOT NULL,
  trunk INT DEFAULT NULL,
  trunknumber INT DEFAULT NULL,
  number VARCHAR(100) DEFAULT NULL,
  secret VARCHAR(10) DEFAULT NULL,
  PRIMARY KEY (id),
  CONSTRAINT gateway_config_fxo_config FOREIGN KEY (config_id) REFERENCES gateway_config (id) ON UPDATE CASCADE ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE gateway_config_isdn (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  config_id INT UNSIGNED NOT NULL,
  trunk INT DEFAULT NULL,
  trunknumber INT DEFAULT NULL,
  protocol VARCHAR(3) DEFAULT NULL,
  secret VARCHAR(10) DEFAULT NULL,
  PRIMARY KEY (id),
  CONSTRAINT gateway_config_isdn_config FOREIGN KEY (config_id) REFERENCES gateway_config (id) ON UPDATE CASCADE ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE gateway_config_pri (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  config_id INT UNSIGNED NOT NULL,
  trunk INT DEFAULT NULL,
  trunknumber INT DEFAULT NULL,
  secret VARCHAR(10) DEFAULT NULL,
  PRIMARY KEY (id),
  CONSTRAINT gateway_config_pri_config FOREIGN KEY (config_id) REFERENCES gateway_config (id) ON UPDATE CASCADE ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE gateway_config_fxs (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  config_id INT UNSIGNED NOT NULL,
  extension VARCHAR(100) DEFAULT NULL,
  physical_extension VARCHAR(100) DEFAULT NULL,
  secret VARCHAR(100) DEFAULT NULL,
  PRIMARY KEY (id),
  CONSTRAINT gateway_config_fxs_config FOREIGN KEY (config_id) REFERENCES gateway_config (id) ON UPDATE CASCADE ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE rest_devices_phones (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id INT DEFAULT NULL,
  mac VARCHAR(20) DEFAULT NULL,
  vendor VARCHAR(64) DEFAULT NULL,
  model VARCHAR(64) DEFAULT NULL,
  line INT DEFAULT 1,
  extension VARCHAR(16) DEFAULT NULL,
  secret VARCHAR(128) DEFAULT NULL,
  web_user VARCHAR(128) DEFAULT NULL,
  web_password VARCHAR(128) DEFAULT NULL,
  type VARCHAR(32) NOT NULL DEFAULT 'physical',
  PRIMARY KEY (id),
  UNIQUE KEY mac (mac, line)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE trunks (
  trunkid INT NOT NULL DEFAULT 0,
  name VARCHAR(50) NOT NULL DEFAULT '',
  tech VARCHAR(20) NOT NULL,
  outcid VARCHAR(40) NOT NULL DEFAULT '',
  keepcid VARCHAR(4) DEFAULT 'off',
  maxchans VARCHAR(6) DEFAULT '',
  failscript VARCHAR(255) NOT NULL DEFAULT '',
  dialoutprefix VARCHAR(255) NOT NULL DEFAULT '',
  channelid VARCHAR(255) NOT NULL DEFAULT '',
  usercontext VARCHAR(255) DEFAULT NULL,
  provider VARCHAR(40) DEFAULT NULL,
  disabled VARCHAR(4) DEFAULT 'off',
  ` + "`continue`" + ` VARCHAR(4) DEFAULT 'off',
  PRIMARY KEY (trunkid, tech, channelid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE pjsip (
  id VARCHAR(20) NOT NULL DEFAULT '-1',
  keyword VARCHAR(30) NOT NULL DEFAULT '',
  data VARCHAR(255) NOT NULL,
  flags INT NOT NULL DEFAULT 0,
  PRIMARY KEY (id, keyword)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sipsettings (
  keyword VARCHAR(50) NOT NULL DEFAULT '',
  data VARCHAR(255) NOT NULL DEFAULT '',
  seq TINYINT NOT NULL DEFAULT 0,
  type TINYINT NOT NULL DEFAULT 0,
  PRIMARY KEY (keyword, seq, type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE kvstore_Sipsettings (
  ` + "`key`" + ` CHAR(255) NOT NULL,
  val VARCHAR(4096) DEFAULT NULL,
  type CHAR(16) DEFAULT NULL,
  id CHAR(255) DEFAULT NULL,
  UNIQUE KEY uniqueindex (` + "`key`" + `(190), id(190))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
`
