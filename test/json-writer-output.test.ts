import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { JsonStreamer } from '../src/monitor/json/index.js';
import { qdictOrder } from '../src/qapi/qobject/qdict.js';
import { QDICT_KEY_ORDER, QFloat, isQDict, type QValue } from '../src/qapi/qobject/qobject.js';
import { formatDouble, quoteString, toQmpJson, toQmpJsonLine } from '../src/qapi/qobject/writer.js';

// QEMU's JSON output (qobject/json-writer.c, qobject/qjson.c).

t.test('compact separators, members in JS order', async (t) => {
  t.equal(toQmpJson({ a: 1, b: [1, 2], c: {}, d: [] }), '{"a": 1, "b": [1, 2], "c": {}, "d": []}');
  t.equal(toQmpJson({ return: {}, id: 'x' }), '{"return": {}, "id": "x"}');
  t.equal(toQmpJson([null, true, false, 'x']), '[null, true, false, "x"]');
  t.equal(toQmpJsonLine({ return: {} }), '{"return": {}}\r\n');
  t.equal(toQmpJson({ a: undefined, b: 1, c: undefined }), '{"b": 1}', 'undefined members are skipped');
  t.equal(toQmpJson([1, undefined]), '[1, null]');
});

t.test('parsed objects carry their QDict order past JS integer-key ordering', async (t) => {
  const obj: Record<string, unknown> = { 1: 'a', tag: 'b' };
  t.equal(toQmpJson(obj), '{"1": "a", "tag": "b"}');
  Object.defineProperty(obj, QDICT_KEY_ORDER, { value: ['tag', '1'] });
  t.equal(toQmpJson(obj), '{"tag": "b", "1": "a"}');
  obj.extra = 1;
  delete obj.tag;
  t.equal(toQmpJson(obj), '{"1": "a", "extra": 1}', 'members added or removed later still print');
  const out: Array<{ value: QValue }> = [];
  new JsonStreamer((m) => out.push(m as never)).feed(Buffer.from('{"tag": 1, "1": 2, "0": 3}\n'));
  t.equal(toQmpJson(out[0].value), `{${qdictOrder(['tag', '1', '0']).map((k) => `"${k}": ${{ tag: 1, 1: 2, 0: 3 }[k]}`).join(', ')}}`);
});

t.test('strings: ASCII only, QEMU escapes', async (t) => {
  const cases: Array<[string, string]> = [
    ['plain', '"plain"'],
    ['quote " backslash \\ slash /', '"quote \\" backslash \\\\ slash /"'],
    ['\b\f\n\r\t', '"\\b\\f\\n\\r\\t"'],
    ['\x00\x01\x1f\x7f\x80', '"\\u0000\\u0001\\u001F\\u007F\\u0080"'],
    ['\u00e9\u20ac\uFFFD', '"\\u00E9\\u20AC\\uFFFD"'],
    ['\u{1F600}\u{10FFFD}', '"\\uD83D\\uDE00\\uDBFF\\uDFFD"'],
    ['lone \uD800 and \uDC00', '"lone \\uFFFD and \\uFFFD"'],
    ['high at end \uD83D', '"high at end \\uFFFD"'],
    ['noncharacters \uFFFE \uFFFF \uFDD0 \u{1FFFF}', '"noncharacters \\uFFFD \\uFFFD \\uFFFD \\uFFFD"'],
    ['U+FDF0 \uFDF0', '"U+FDF0 \\uFDF0"'],
    ["'", `"'"`],
    ['', '""'],
  ];
  for (const [s, json] of cases) t.equal(quoteString(s), json, JSON.stringify(s));
  t.equal(toQmpJson({ 'k\u00e9y\n': 1 }), '{"k\\u00E9y\\n": 1}', 'keys are escaped too');
});

t.test('numbers', async (t) => {
  const cases: Array<[unknown, string]> = [
    [0, '0'],
    [-0, '-0'],
    [42, '42'],
    [-9007199254740991, '-9007199254740991'],
    [2 ** 53, '9007199254740992'],
    [2 ** 63, '9223372036854775808'],
    [-(2 ** 63), '-9223372036854775808'],
    [2 ** 64, '1.8446744073709552e+19'],
    [-(2 ** 63) - 4096, '-9.2233720368547799e+18'],
    [1e300, '1.0000000000000001e+300'],
    [0.1, '0.10000000000000001'],
    [1.5, '1.5'],
    [18446744073709551615n, '18446744073709551615'],
    [-9223372036854775808n, '-9223372036854775808'],
    [new QFloat(1000), '1000'],
    [new QFloat(-0), '-0'],
    [new QFloat(0), '0'],
    [new QFloat(-1.5), '-1.5'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [new QFloat(Infinity), 'inf'],
    [NaN, 'nan'],
  ];
  for (const [v, json] of cases) t.equal(toQmpJson(v), json, String(v));
});

t.test('unsupported values are a TypeError, not garbage on the wire', async (t) => {
  t.throws(() => toQmpJson({ f: () => 1 }), TypeError);
  t.throws(() => toQmpJson(Symbol('x')), TypeError);
});

// [IEEE-754 bits, glibc printf("%.17g")], generated with gcc on x86-64:
// fixed cases (ties such as 1234567890123456.25 round half to even),
// random bit patterns, random quotients, k/2^n values, small negatives.
const G17: Array<[string, string]> = [
  ['0000000000000000', '0'],
  ['8000000000000000', '-0'],
  ['3ff0000000000000', '1'],
  ['bff0000000000000', '-1'],
  ['408f400000000000', '1000'],
  ['408f400000000000', '1000'],
  ['3fb999999999999a', '0.10000000000000001'],
  ['3fe0000000000000', '0.5'],
  ['bff8000000000000', '-1.5'],
  ['7e37e43c8800759c', '1.0000000000000001e+300'],
  ['01a56e1fc2f8f359', '1e-300'],
  ['4341c37937e08000', '10000000000000000'],
  ['4376345785d8a000', '1e+17'],
  ['3f1a36e2eb1c432d', '0.0001'],
  ['3ee4f8b588e368f1', '1.0000000000000001e-05'],
  ['437b69b4ba630f35', '1.2345678901234568e+17'],
  ['0000000000000001', '4.9406564584124654e-324'],
  ['0010000000000000', '2.2250738585072014e-308'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['43118b54f22aeb01', '1234567890123456.2'],
  ['43118b54f22aeb03', '1234567890123456.8'],
  ['431fffffffffffff', '2251799813685247.8'],
  ['3fd3333333333333', '0.29999999999999999'],
  ['4004000000000000', '2.5'],
  ['4340000000000000', '9007199254740992'],
  ['432fffffffffffff', '4503599627370495.5'],
  ['4330000000000002', '4503599627370498'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['4480f0cf064dd592', '1e+22'],
  ['44b52d02c7e14af6', '9.9999999999999992e+22'],
  ['43e56a95319d63e1', '1.2345678901234567e+19'],
  ['3f202e85be111841', '0.000123456789'],
  ['4059000000000000', '100'],
  ['3fd5555555555555', '0.33333333333333331'],
  ['3fe5555555555555', '0.66666666666666663'],
  ['400921fb54442d18', '3.1415926535897931'],
  ['79690975fbde15b0', '6.9346982451126944e+276'],
  ['2a337357ae2cc59b', '2.1201840400810927e-105'],
  ['2fef107a27529ad0', '8.3836588386268093e-78'],
  ['e4093df8432a8be5', '-7.8039139586272442e+173'],
  ['71dd0913271687b2', '3.0251373381551392e+240'],
  ['f70abb341875063d', '-2.6935540017039981e+265'],
  ['61b97bcd4b21c371', '5.7324262666541849e+162'],
  ['e845105ed8c77cb7', '-1.9220601697635259e+194'],
  ['e77b20aec4233f8e', '-3.0216886841970293e+190'],
  ['c9ddc8f042775a71', '-6.8016724383802016e+47'],
  ['fe5defe9c5610885', '-5.012175857090046e+300'],
  ['6ef14999f8114bd4', '2.5595822584553479e+226'],
  ['a3a03fe4de4f1c43', '-4.3665082231147242e-137'],
  ['9fded21c82caf2bb', '-3.5917443243463321e-155'],
  ['b494d6880418a99e', '-2.1245996709086885e-55'],
  ['955753b579933f4d', '-7.2657698561222534e-206'],
  ['01239ff2c4a06a73', '3.5771699383255836e-303'],
  ['8be87413a8b3d667', '-2.6682918192826337e-251'],
  ['2e6f66b049cdc80b', '5.051222246941584e-85'],
  ['f991db0c819b315b', '-3.956506804880179e+277'],
  ['94269b57fb8d31f9', '-1.3430505694987311e-211'],
  ['be1edefcfabd75da', '-1.7969314742435888e-09'],
  ['e35ac67471cc39b1', '-4.0419461077529872e+170'],
  ['7b59baf2b613ed82', '1.530453622854111e+286'],
  ['8b4eb7817f86ead9', '-3.2731802469906564e-254'],
  ['97876671a300714c', '-2.5043317662036373e-195'],
  ['fad4dc52cb2fa2ae', '-4.8468940500992663e+283'],
  ['11e69a347dd2966b', '1.9540112837495184e-222'],
  ['686f3326a04fc987', '1.1387781753342574e+195'],
  ['6ed5ff7aa865d7d4', '8.1425283466621106e+225'],
  ['6edd22562c4c697b', '1.0783972713012537e+226'],
  ['5b22f45380f3cf69', '1.0510857627375099e+131'],
  ['af29109cc782d2b7', '-1.6514940978812739e-81'],
  ['76d874a3714b9ad2', '3.080313143536168e+264'],
  ['7dc2ae94e4dbf967', '6.1089722720503326e+297'],
  ['0c971bea6a6af755', '5.1642301876739785e-248'],
  ['ea2177d8d51f57fb', '-1.711488800458074e+203'],
  ['76104a9e26b7f794', '5.0097573051350242e+260'],
  ['6d159abfb303fd7b', '2.9790710229468441e+217'],
  ['0ff20e6dfbb7c441', '7.2689836116507207e-232'],
  ['d251a40a022b9b89', '-3.5092674668519821e+88'],
  ['6c129af7f2440efe', '3.9146659089812536e+212'],
  ['c7dee68fffbaf963', '-1.6429595518652381e+38'],
  ['15ada4e53975b451', '2.9546874998121718e-204'],
  ['63eb500cce126b79', '2.1110187236576186e+173'],
  ['314320aa7da5b1ef', '2.1651677572556947e-71'],
  ['d27d2fde3497614c', '-2.3224584817522088e+89'],
  ['be55668178139c8e', '-1.9930687771097388e-08'],
  ['9480583abdfb5837', '-6.2145338597632051e-210'],
  ['9d8dbb3a5bde4347', '-2.5209670591306996e-166'],
  ['61fd04828c93ce01', '1.0443820600274881e+164'],
  ['df9a26c8470349dd', '-3.4241621269714325e+152'],
  ['ca9d54bd4e78980e', '-2.7435087605748615e+51'],
  ['b1db9b0fecbfaabe', '-1.5999261842472782e-68'],
  ['e79541e25d0dba6b', '-9.4712347634254673e+190'],
  ['ff98837fda2a5bdf', '-4.3035210533156128e+306'],
  ['c3bd5e2cd52318a8', '-2.1161781688391864e+18'],
  ['02ab7bb54e687499', '8.4046982646788002e-296'],
  ['bebf0929f41aa230', '-1.8498776203445192e-06'],
  ['58aee9fdc3f41b74', '1.5591356655427389e+119'],
  ['62daff171a9fae42', '1.5919308421652998e+168'],
  ['e5baa16ee5b5419e', '-1.1050408270453276e+182'],
  ['16b3a918e4278c9d', '2.5684920992157062e-199'],
  ['4ab9cfc9a41744c4', '9.657292484339406e+51'],
  ['86ddce906c8cdb4d', '-1.345180810518518e-275'],
  ['867e3492977cb1bb', '-2.1299433306622783e-277'],
  ['3d0e482377794618', '1.344781671744063e-14'],
  ['90e1bc8ba22d3294', '-2.3397062956678769e-227'],
  ['f48119b103954df1', '-1.5671535641772091e+253'],
  ['79780d4e5b2b3b2a', '1.3323760139742456e+277'],
  ['b36eb1caa58ee7dc', '-5.9691353890186925e-61'],
  ['f0fe55be95a18d13', '-1.9290334065485599e+236'],
  ['1234769364d9eac9', '5.6610430148142755e-221'],
  ['31a7445bdf8bcb5c', '1.6855898279287294e-69'],
  ['1735808ee4398bca', '7.1912658566366122e-197'],
  ['8f09996552504a5d', '-3.144994170350546e-236'],
  ['4fcf7212bebfdd89', '2.844649649099177e+76'],
  ['dfd3a0870f60e072', '-4.1118103460674507e+153'],
  ['25474d793f2c7d32', '4.2022011093385254e-129'],
  ['b9e2a99fdb7b2948', '-7.3610959818872095e-30'],
  ['40b29aecff3c5472', '4762.9257695871511'],
  ['40c0767685dfe442', '8428.925960527853'],
  ['40b3482f33278bec', '4936.1843743054014'],
  ['40f92b12a4e1a08b', '103089.16525423729'],
  ['40b56a54209d9fc4', '5482.3286226763776'],
  ['409cc2daeba7ee02', '1840.7137895812052'],
  ['40c8ee4c127ddf23', '12764.594314321474'],
  ['40acd6d4eca10651', '3691.4158678360186'],
  ['40dba427b09ec27b', '28304.62015503876'],
  ['40c1e9bc004c2eb9', '9171.4687590816629'],
  ['40a8fe898d934a92', '3199.2686582592514'],
  ['40ad62f4a697b32d', '3761.4778335005017'],
  ['40d8343635f82495', '24784.847044025159'],
  ['40b36f49dad8949e', '4975.2884955752215'],
  ['40c82673faa84acc', '12364.906086956522'],
  ['40c38c27975048e3', '10008.309305224981'],
  ['40d222fa21457d63', '18571.908280727814'],
  ['40a15ed34ae460d2', '2223.4126807563962'],
  ['40da9493852b5c6e', '27218.305003013862'],
  ['40bf1491b6ebaced', '7956.5691973969633'],
  ['40d371e553aeb0dc', '19911.583232567515'],
  ['40b745590d349abd', '5957.3478577497272'],
  ['40cde220730428df', '15300.253510017354'],
  ['4106cc0fa728e9ca', '186753.95662100456'],
  ['40d4966e1afb1479', '21081.720396776193'],
  ['40d0bba74399aaf3', '17134.61350099272'],
  ['40a831b7023a59c1', '3096.8574388727725'],
  ['40c7945961249cc7', '12072.698277069618'],
  ['40b02312c21913a6', '4131.073274199769'],
  ['40eedc19ea906da4', '63200.809883321897'],
  ['40c68743544fb66b', '11534.526010479041'],
  ['40a40cacebdaf208', '2566.3377369327973'],
  ['40e64cea83727110', '45671.328545780969'],
  ['40bfc7c5756635cb', '8135.7713226205187'],
  ['40a30d8b46d349fe', '2438.772024729521'],
  ['40d43dde50a241cb', '20727.473671497584'],
  ['40b6f8177da5d670', '5880.0917609833268'],
  ['409032d9a0d2ab2b', '1036.7125275532696'],
  ['40c0a6367374946a', '8524.4253984188726'],
  ['40b46c90a392ac56', '5228.5649959250204'],
  ['40c74bb42e96440e', '11927.407671721678'],
  ['40b97dc7584f6877', '6525.7786912565271'],
  ['40c509f5b8aca2a4', '10771.919698314108'],
  ['40c83d2cdbc4a617', '12410.350456791972'],
  ['40f4ae0f5c28f5c3', '84704.960000000006'],
  ['40c07665af824328', '8428.7944186046516'],
  ['40b6b03f15569d9a', '5808.2464193472642'],
  ['40ac89c28446936e', '3652.8799154334038'],
  ['408eed524a726144', '989.66518105849582'],
  ['40df584d21838536', '32097.205170517052'],
  ['40d4154cdb053cc9', '20565.200867947922'],
  ['40c710a7b900aec3', '11809.310333333333'],
  ['40aa445330ea386a', '3362.1624825662484'],
  ['40c79afead45b323', '12085.989662849874'],
  ['40d80e1061adc976', '24632.255961844196'],
  ['41063c0f75ca99ea', '182145.93251533742'],
  ['410665eaec4ec4ec', '183485.36538461538'],
  ['413548fd1bacf915', '1394941.1081081082'],
  ['40b0b581fd4fbdc1', '4277.5077714765803'],
  ['40c6abed93315745', '11607.856054465878'],
  ['42ebfa18125a17b1', '246087677038781.53'],
  ['427538a3de4ec000', '1458313225452'],
  ['42e5699dfd554154', '188346930997770.62'],
  ['42decbf0901b9ca0', '135445052681842.5'],
  ['430a93b1411ef2a3', '935092363189844.38'],
  ['42df17bbfdf89f70', '136747194770045.75'],
  ['42e1e8939746321b', '157524849996176.84'],
  ['42f75d5a23e16a58', '411035387172517.5'],
  ['42e9779fd3eb2738', '224012586146105.75'],
  ['430441bc2511f3c4', '712721983225464.5'],
  ['43201a4cdc082f80', '2266258519365568'],
  ['42ea77af0f37a0f8', '232810723523847.75'],
  ['431ea446d32111dc', '2156218349536375'],
  ['42d751cd366c4783', '102560410743070.05'],
  ['42e3f9f017b828b8', '175713566966085.75'],
  ['42cb2efac611f998', '59777179460595.188'],
  ['431a158864ebbf34', '1835506236846029'],
  ['42e26bd2ddd86703', '162034468438840.09'],
  ['42dcfbb38f532a61', '127469499534505.52'],
  ['42e5f3ecbf62058a', '193099145613356.31'],
  ['42d81c337dccae27', '106037608133304.61'],
  ['43283f7138d32a29', '3412577479136532.5'],
  ['4312dc126340d8e2', '1327130278377016.5'],
  ['42fc8e3448fbf490', '502353410113353'],
  ['42d2afa22baae780', '82182197390238'],
  ['4321b5c52c72a35c', '2492466531488174'],
  ['4315ce1cbfcfde43', '1534399345850256.8'],
  ['432cc9e1e00b952c', '4051635655789206'],
  ['432f103bc121d36b', '4371786553682357.5'],
  ['42d96c4b8e5e63c0', '111811659135375'],
  ['42ff8a56a6c2d45c', '554864315477317.75'],
  ['42f51487f5188eb8', '370846792255723.5'],
  ['42ffaa87c1116904', '557076519655056.25'],
  ['42e61eccf8f60f78', '194572349583483.75'],
  ['42d3b0643de0ef00', '86593267794876'],
  ['42dfc92bafda18ec', '139795527329891.69'],
  ['42d6d4076df24ad8', '100399654095147.38'],
  ['4305550b2969356c', '750560117335725.5'],
  ['42f68da46bb32e52', '396761675543269.12'],
  ['42e48f5745aba39e', '180847016500508.94'],
  ['42fad0b251cdd088', '471738355604744.5'],
  ['4323cad39a3d1838', '2785517366053916'],
  ['42c70c331a42f204', '50682328810980.031'],
  ['42ba3b9fc2bf9608', '28843385733014.031'],
  ['42ec5219014106f6', '249111459268663.69'],
  ['42cd86c59cccd612', '64929356421548.141'],
  ['42d84819d8fe3d18', '106791801452788.38'],
  ['42ff45ec711e1115', '550162880651537.31'],
  ['42cd187de0160a14', '63982056516628.156'],
  ['425fb8da24e5b900', '544981160854.89062'],
  ['42fc4a31d1065c3c', '497679823037891.75'],
  ['42d025210df1bfee', '71006617585407.719'],
  ['42e26059f335c8f2', '161640282172999.56'],
  ['4305f093ee633a3a', '771936582657863.25'],
  ['430dc4e59ba23f9a', '1047408095283187.2'],
  ['42ef0534a75cfcc4', '272857749448678.12'],
  ['430d2f3f19199c13', '1026840296895362.4'],
  ['42b8b0da25a303dc', '27147853210371.859'],
  ['42f8ad55030e5ae4', '434123754759598.25'],
  ['42e5e1a80caf0a24', '192471449827409.12'],
  ['c13fa2151b805691', '-2073109.1074270348'],
  ['c1577c086f80f23e', '-6156321.742245255'],
  ['c15007de84a949ac', '-4202362.0728325062'],
  ['c14f465754f30c80', '-4099246.6636672616'],
  ['c1528a05a6483cd1', '-4859926.598159031'],
  ['c1582bb5eb14f06c', '-6336215.6731530242'],
  ['c13a8dbdfcd83c5a', '-1740221.9876744957'],
  ['c158ba4bdb5c9ea9', '-6482223.4275280619'],
  ['c15a0f2d69937fe2', '-6831285.6496276576'],
  ['c140bf1887e61a23', '-2194993.0617096587'],
  ['c123195bec3fc736', '-625837.9614240888'],
  ['c1441d19c6e95a0e', '-2636339.5539963311'],
  ['c155fbd97e3f759a', '-5762917.9726232532'],
  ['c14382b0315d39ea', '-2557280.3856575387'],
  ['c14f93972022b1fd', '-4138798.2510588155'],
  ['c12a9c3469ec649b', '-871962.20688166039'],
  ['c1397a71fc25673a', '-1669745.984945728'],
  ['c133c04330126032', '-1294403.1877803919'],
  ['c144f39fb7fbe158', '-2746175.4373742752'],
  ['c158b902bad105a7', '-6480906.9190076953'],
  ['c150c2ded772ac82', '-4393851.3663741369'],
  ['c15b13bb580c9df0', '-7098093.3757700771'],
  ['c1587c9c5aa99a48', '-6419057.4166017249'],
  ['c133f3c1bf7f22f9', '-1307585.7480337007'],
  ['c14e1fc9f1092367', '-3948435.8830913785'],
  ['c131995d3e71402d', '-1153373.2439155683'],
  ['c1437b87afa80a35', '-2553615.3723156699'],
  ['c136292356d9cdca', '-1452323.3392609232'],
  ['c158e0bff7132d9c', '-6521599.8605455421'],
  ['c15a0ac900b788ae', '-6826788.0112020206'],
];

t.test('%.17g exactly as glibc prints it', async (t) => {
  const view = new DataView(new ArrayBuffer(8));
  let wrong = 0;
  for (const [bits, expected] of G17) {
    view.setBigUint64(0, BigInt(`0x${bits}`));
    const x = view.getFloat64(0);
    if (formatDouble(x) !== expected) {
      wrong++;
      t.equal(formatDouble(x), expected, `${bits} (${x})`);
    }
  }
  t.equal(wrong, 0, `${G17.length} doubles`);
});

/** Every .golden under fixtures/qemu-7.2 and its server lines. */
function goldenLines(): Array<[string, string]> {
  const root = new URL('../fixtures/qemu-7.2/', import.meta.url);
  const lines: Array<[string, string]> = [];
  for (const family of readdirSync(root)) {
    if (!statSync(new URL(family, root)).isDirectory()) continue;
    const dir = new URL(`${family}/`, root);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.golden'))) {
      for (const line of readFileSync(new URL(file, dir), 'utf8').split('\n')) {
        if (line.startsWith('< ')) lines.push([`${family}/${file}`, line.slice(2)]);
      }
    }
  }
  return lines;
}

function parseOne(text: string): QValue | string {
  const out: Array<{ value: QValue } | { error: string }> = [];
  new JsonStreamer((m) => out.push(m)).feed(Buffer.from(text + '\n', 'utf8'));
  if (out.length !== 1) return `${out.length} messages`;
  return 'error' in out[0] ? out[0].error : out[0].value;
}

/** The parsed value with each object's members in the order of `shape` (JSON.parse keeps text order). */
function inTextOrder(v: QValue, shape: unknown): QValue {
  if (Array.isArray(v)) return v.map((x, i) => inTextOrder(x, (shape as unknown[])[i]));
  if (!isQDict(v)) return v;
  const keys = Object.keys(shape as object);
  return Object.fromEntries(keys.map((k) => [k, inTextOrder(v[k], (shape as Record<string, unknown>)[k])]));
}

/** Objects of a JSON text, with their keys in text order (skipping the replay tool's #summary). */
function textObjects(shape: unknown, into: string[][] = []): string[][] {
  if (Array.isArray(shape)) shape.forEach((x) => textObjects(x, into));
  else if (typeof shape === 'object' && shape !== null && !('#summary' in shape)) {
    into.push(Object.keys(shape));
    Object.values(shape).forEach((x) => textObjects(x, into));
  }
  return into;
}

t.test('golden server lines re-serialise byte for byte', async (t) => {
  const lines = goldenLines();
  t.ok(lines.length > 500, `${lines.length} lines`);
  let bad = 0;
  for (const [file, line] of lines) {
    const value = parseOne(line);
    const integerKeys = textObjects(JSON.parse(line)).some((keys) => keys.some((k) => /^\d+$/.test(k)));
    if (typeof value === 'string' || integerKeys) {
      bad++;
      t.fail(`${file}: ${value}: ${line.slice(0, 80)}`);
      continue;
    }
    const text = toQmpJson(inTextOrder(value, JSON.parse(line)));
    if (text !== line && bad++ < 10) t.equal(text, line, file);
  }
  t.equal(bad, 0, 'all lines');
});

t.test("golden server lines list members in QDict order", async (t) => {
  // QEMU prints a QDict bucket by bucket, newest key first within a bucket;
  // so the text order must be what qdictOrder makes of its reverse.
  let objects = 0;
  let bad = 0;
  for (const [file, line] of goldenLines()) {
    for (const keys of textObjects(JSON.parse(line))) {
      objects++;
      const order = qdictOrder([...keys].reverse());
      if (order.join() !== keys.join() && bad++ < 10) t.same(keys, order, `${file}: ${line.slice(0, 80)}`);
    }
  }
  t.equal(bad, 0, `${objects} objects`);
});

t.test('parse then write reproduces a line unless two keys share a bucket', async (t) => {
  // Parsing inserts keys in text order, which reverses colliding keys: the
  // greeting's "micro" and "minor" (bucket 225) and query-status's "status"
  // and "singlestep" (bucket 202) come back swapped, as they would if QEMU
  // re-parsed its own output.
  const greeting = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}';
  const v = parseOne(greeting);
  t.equal(toQmpJson(v), greeting.replace('"micro": 0, "minor": 2', '"minor": 2, "micro": 0'));
  const status = '{"return": {"status": "prelaunch", "singlestep": false, "running": false}, "id": "x"}';
  t.equal(toQmpJson(parseOne(status)), status.replace('"status": "prelaunch", "singlestep": false', '"singlestep": false, "status": "prelaunch"'));
  const error = '{"id": {"n": 1}, "error": {"class": "CommandNotFound", "desc": "The command x has not been found"}}';
  t.equal(toQmpJson(parseOne(error)), error, 'no collision: exact');
});
