package db

import "gorm.io/gorm/clause"

var lockingClause = clause.Locking{Strength: clause.LockingStrengthUpdate}
