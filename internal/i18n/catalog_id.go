package i18n

// indonesian maps English strings to Indonesian.
var indonesian = map[string]string{}
