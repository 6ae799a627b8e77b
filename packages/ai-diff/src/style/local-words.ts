import { primary } from './language.js';

/** The fixed words of a locally built message, in one language. */
export interface LocalWords {
  add: string;
  update: string;
  remove: string;
  rename: string;
  move: string;
  /** The subject from a verb and its object (word order differs between languages). */
  subject: (verb: string, what: string) => string;
  /** `old to new` for a rename. */
  renamed: (from: string, to: string) => string;
  files: (n: number, dir: string) => string;
  added: string;
  modified: string;
  deleted: string;
  typechange: string;
  renamedFrom: (path: string) => string;
  copiedFrom: (path: string) => string;
  binary: string;
  more: (n: number) => string;
  empty: string;
  updateFiles: string;
}

type Forms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/** `forms` picked by the language's plural rules (`1 file`, `2 files`; Polish and Russian have more forms). */
function plural(lang: string, forms: Forms): (n: number) => string {
  const rules = new Intl.PluralRules(lang);
  return (n) => forms[rules.select(n)] ?? forms.other;
}

const svo = (verb: string, what: string): string => `${verb} ${what}`;
const sov = (verb: string, what: string): string => `${what} ${verb}`;
const arrow = (from: string, to: string): string => `${from} → ${to}`;

function words(lang: string): LocalWords {
  switch (lang) {
    case 'fr': {
      const f = plural('fr', { one: 'fichier', other: 'fichiers' });
      return { add: 'Ajouter', update: 'Mettre à jour', remove: 'Supprimer', rename: 'Renommer', move: 'Déplacer', subject: svo, renamed: (a, b) => `${a} en ${b}`,
        files: (n, dir) => `${n} ${f(n)}${dir ? ` dans ${dir}` : ''}`, added: 'ajouté', modified: 'modifié', deleted: 'supprimé', typechange: 'type modifié',
        renamedFrom: (p) => `renommé depuis ${p}`, copiedFrom: (p) => `copié depuis ${p}`, binary: 'binaire', more: (n) => `... et ${n} autres ${f(n)}`, empty: 'Commit vide', updateFiles: 'Mettre à jour des fichiers' };
    }
    case 'de': {
      const f = plural('de', { one: 'Datei', other: 'Dateien' });
      return { add: 'hinzufügen', update: 'aktualisieren', remove: 'entfernen', rename: 'umbenennen', move: 'verschieben', subject: sov, renamed: (a, b) => `${a} in ${b}`,
        files: (n, dir) => `${n} ${f(n)}${dir ? ` in ${dir}` : ''}`, added: 'hinzugefügt', modified: 'geändert', deleted: 'gelöscht', typechange: 'Typ geändert',
        renamedFrom: (p) => `umbenannt von ${p}`, copiedFrom: (p) => `kopiert von ${p}`, binary: 'binär', more: (n) => `... und ${n} weitere ${f(n)}`, empty: 'Leerer Commit', updateFiles: 'Dateien aktualisieren' };
    }
    case 'es': {
      const f = plural('es', { one: 'archivo', other: 'archivos' });
      return { add: 'Añadir', update: 'Actualizar', remove: 'Eliminar', rename: 'Renombrar', move: 'Mover', subject: svo, renamed: (a, b) => `${a} a ${b}`,
        files: (n, dir) => `${n} ${f(n)}${dir ? ` en ${dir}` : ''}`, added: 'añadido', modified: 'modificado', deleted: 'eliminado', typechange: 'tipo cambiado',
        renamedFrom: (p) => `renombrado desde ${p}`, copiedFrom: (p) => `copiado desde ${p}`, binary: 'binario', more: (n) => `... y ${n} ${f(n)} más`, empty: 'Commit vacío', updateFiles: 'Actualizar archivos' };
    }
    case 'it':
      return { add: 'Aggiungi', update: 'Aggiorna', remove: 'Rimuovi', rename: 'Rinomina', move: 'Sposta', subject: svo, renamed: (a, b) => `${a} in ${b}`,
        files: (n, dir) => `${n} file${dir ? ` in ${dir}` : ''}`, added: 'aggiunto', modified: 'modificato', deleted: 'eliminato', typechange: 'tipo cambiato',
        renamedFrom: (p) => `rinominato da ${p}`, copiedFrom: (p) => `copiato da ${p}`, binary: 'binario', more: (n) => `... e altri ${n} file`, empty: 'Commit vuoto', updateFiles: 'Aggiorna i file' };
    case 'pt': {
      const f = plural('pt', { one: 'arquivo', other: 'arquivos' });
      return { add: 'Adicionar', update: 'Atualizar', remove: 'Remover', rename: 'Renomear', move: 'Mover', subject: svo, renamed: (a, b) => `${a} para ${b}`,
        files: (n, dir) => `${n} ${f(n)}${dir ? ` em ${dir}` : ''}`, added: 'adicionado', modified: 'modificado', deleted: 'removido', typechange: 'tipo alterado',
        renamedFrom: (p) => `renomeado de ${p}`, copiedFrom: (p) => `copiado de ${p}`, binary: 'binário', more: (n) => `... e mais ${n} ${f(n)}`, empty: 'Commit vazio', updateFiles: 'Atualizar arquivos' };
    }
    case 'nl': {
      const f = plural('nl', { one: 'bestand', other: 'bestanden' });
      return { add: 'toevoegen', update: 'bijwerken', remove: 'verwijderen', rename: 'hernoemen', move: 'verplaatsen', subject: sov, renamed: (a, b) => `${a} naar ${b}`,
        files: (n, dir) => `${n} ${f(n)}${dir ? ` in ${dir}` : ''}`, added: 'toegevoegd', modified: 'gewijzigd', deleted: 'verwijderd', typechange: 'type gewijzigd',
        renamedFrom: (p) => `hernoemd van ${p}`, copiedFrom: (p) => `gekopieerd van ${p}`, binary: 'binair', more: (n) => `... en nog ${n} ${f(n)}`, empty: 'Lege commit', updateFiles: 'Bestanden bijwerken' };
    }
    case 'pl': {
      const f = plural('pl', { one: 'plik', few: 'pliki', many: 'plików', other: 'pliku' });
      return { add: 'Dodaj', update: 'Zaktualizuj', remove: 'Usuń', rename: 'Zmień nazwę', move: 'Przenieś', subject: svo, renamed: (a, b) => `${a} na ${b}`,
        files: (n, dir) => `${n} ${f(n)}${dir ? ` w ${dir}` : ''}`, added: 'dodany', modified: 'zmieniony', deleted: 'usunięty', typechange: 'zmieniony typ',
        renamedFrom: (p) => `przeniesiony z ${p}`, copiedFrom: (p) => `skopiowany z ${p}`, binary: 'binarny', more: (n) => `... i jeszcze ${n} ${f(n)}`, empty: 'Pusty commit', updateFiles: 'Zaktualizuj pliki' };
    }
    case 'ru': {
      const f = plural('ru', { one: 'файл', few: 'файла', many: 'файлов', other: 'файла' });
      return { add: 'Добавить', update: 'Обновить', remove: 'Удалить', rename: 'Переименовать', move: 'Переместить', subject: svo, renamed: (a, b) => `${a} в ${b}`,
        files: (n, dir) => `${n} ${f(n)}${dir ? ` в ${dir}` : ''}`, added: 'добавлен', modified: 'изменён', deleted: 'удалён', typechange: 'изменён тип',
        renamedFrom: (p) => `переименован из ${p}`, copiedFrom: (p) => `скопирован из ${p}`, binary: 'двоичный', more: (n) => `... и ещё ${n} ${f(n)}`, empty: 'Пустой коммит', updateFiles: 'Обновить файлы' };
    }
    case 'ja':
      return { add: '追加', update: '更新', remove: '削除', rename: '名前を変更', move: '移動', subject: (v, w) => `${w} を${v}`, renamed: arrow,
        files: (n, dir) => `${dir ? `${dir} の ` : ''}${n} 個のファイル`, added: '追加', modified: '変更', deleted: '削除', typechange: '種類を変更',
        renamedFrom: (p) => `${p} から名前を変更`, copiedFrom: (p) => `${p} からコピー`, binary: 'バイナリ', more: (n) => `... ほか ${n} 個のファイル`, empty: '空のコミット', updateFiles: 'ファイルを更新' };
    case 'ko':
      return { add: '추가', update: '업데이트', remove: '삭제', rename: '이름 변경', move: '이동', subject: sov, renamed: arrow,
        files: (n, dir) => `${dir ? `${dir}의 ` : ''}파일 ${n}개`, added: '추가됨', modified: '수정됨', deleted: '삭제됨', typechange: '형식 변경됨',
        renamedFrom: (p) => `${p}에서 이름 변경됨`, copiedFrom: (p) => `${p}에서 복사됨`, binary: '바이너리', more: (n) => `... 외 파일 ${n}개`, empty: '빈 커밋', updateFiles: '파일 업데이트' };
    case 'zh':
      return { add: '添加', update: '更新', remove: '删除', rename: '重命名', move: '移动', subject: svo, renamed: arrow,
        files: (n, dir) => `${dir ? `${dir} 中的 ` : ''}${n} 个文件`, added: '新增', modified: '修改', deleted: '删除', typechange: '类型变更',
        renamedFrom: (p) => `从 ${p} 重命名`, copiedFrom: (p) => `从 ${p} 复制`, binary: '二进制', more: (n) => `... 以及另外 ${n} 个文件`, empty: '空提交', updateFiles: '更新文件' };
    case 'zh-Hant':
      return { add: '新增', update: '更新', remove: '刪除', rename: '重新命名', move: '移動', subject: svo, renamed: arrow,
        files: (n, dir) => `${dir ? `${dir} 中的 ` : ''}${n} 個檔案`, added: '新增', modified: '修改', deleted: '刪除', typechange: '類型變更',
        renamedFrom: (p) => `從 ${p} 重新命名`, copiedFrom: (p) => `從 ${p} 複製`, binary: '二進位', more: (n) => `... 以及另外 ${n} 個檔案`, empty: '空提交', updateFiles: '更新檔案' };
    default:
      return ENGLISH;
  }
}

const ENGLISH: LocalWords = {
  add: 'Add', update: 'Update', remove: 'Remove', rename: 'Rename', move: 'Move', subject: svo, renamed: (a, b) => `${a} to ${b}`,
  files: (n, dir) => `${n} file${n === 1 ? '' : 's'}${dir ? ` in ${dir}` : ''}`, added: 'added', modified: 'modified', deleted: 'deleted', typechange: 'typechange',
  renamedFrom: (p) => `renamed from ${p}`, copiedFrom: (p) => `copied from ${p}`, binary: 'binary', more: (n) => `... and ${n} more files`, empty: 'Empty commit', updateFiles: 'Update files',
};

/** Languages whose fixed words we have; others get English ones (the model still writes in the language). */
export const LOCAL_LANGUAGES: readonly string[] = ['en', 'de', 'es', 'fr', 'it', 'ja', 'ko', 'nl', 'pl', 'pt', 'ru', 'zh', 'zh-Hant'];

/** The fixed words for a language code (`pt-BR` uses `pt`; `zh-TW`, `zh-HK` and `zh-Hant` use traditional Chinese). */
export function localWords(code: string | undefined): LocalWords {
  if (!code) return ENGLISH;
  const lang = primary(code);
  if (lang === 'zh' && /-(Hant|TW|HK|MO)\b/i.test(code)) return words('zh-Hant');
  return words(lang);
}
