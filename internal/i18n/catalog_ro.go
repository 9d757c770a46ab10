package i18n

// romanian maps English strings to Romanian.
var romanian = map[string]string{}
